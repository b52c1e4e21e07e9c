/// ONNX Where (`GraphOperation.select`): the second input's value where the first, a condition held as 1 or 0 (any
/// value but 0 is true), is true, else the third's, the three broadcast numpy's way. skl2onnx writes it to pick
/// between a value and a default (an AdaBoost classifier's votes, a QuantileTransformer's bounds).
struct SelectKernel: GraphKernel {
    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        [try Shapes.broadcast(Shapes.broadcast(inputs[0], inputs[1]), inputs[2])]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let condition = inputs[0].buffer, chosen = inputs[1].buffer, otherwise = inputs[2].buffer, output = outputs[0].buffer
        if inputs.allSatisfy({ $0.shape == outputs[0].shape }) {
            for index in output.indices { output[index] = condition[index] != 0 ? chosen[index] : otherwise[index] }
            return
        }
        let rank = outputs[0].shape.count
        let strides = inputs.map { Shapes.broadcastStrides($0.shape, rank: rank) }
        let outputStrides = Shapes.strides(outputs[0].shape)
        for index in output.indices {
            var remaining = index, positions = (0, 0, 0)
            for dimension in 0..<rank {
                let coordinate = remaining / outputStrides[dimension]
                remaining -= coordinate * outputStrides[dimension]
                positions.0 += coordinate * strides[0][dimension]
                positions.1 += coordinate * strides[1][dimension]
                positions.2 += coordinate * strides[2][dimension]
            }
            output[index] = condition[positions.0] != 0 ? chosen[positions.1] : otherwise[positions.2]
        }
    }
}
