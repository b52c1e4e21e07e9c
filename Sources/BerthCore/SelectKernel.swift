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
        let (conditionStrides, chosenStrides, otherwiseStrides) = (Shapes.broadcastStrides(inputs[0].shape, rank: rank),
                                                                   Shapes.broadcastStrides(inputs[1].shape, rank: rank),
                                                                   Shapes.broadcastStrides(inputs[2].shape, rank: rank))
        let outputStrides = Shapes.strides(outputs[0].shape)
        func position(_ index: Int, _ strides: [Int]) -> Int { Shapes.index(index, strides: outputStrides, mappedTo: strides) }
        for index in output.indices {
            output[index] = condition[position(index, conditionStrides)] != 0 ? chosen[position(index, chosenStrides)]
                                                                             : otherwise[position(index, otherwiseStrides)]
        }
    }
}
