/// A constant 1-D table's entries at computed indices (`GraphOperation.tableLookup`), shaped like the indices: how
/// skl2onnx's k-nearest-neighbours models read each neighbour's training label or target (an `ai.onnx.ml`
/// ArrayFeatureExtractor of the table). An index that is not a whole number within the table gives NaN, where
/// onnxruntime fails the request.
struct TableLookupKernel: GraphKernel {
    let table: [Float]
    var constantInputs: Set<Int> { [0] }
    var residentBytes: Int { table.count * MemoryLayout<Float>.stride }

    init(table: ConstantTensor) throws(ModelValidationError) {
        guard table.shape.count == 1 || table.shape.count == 2 && table.shape[0] == 1, !table.values.isEmpty else {
            throw ModelValidationError("a lookup by computed indices takes a 1-D table, not \(Shapes.describe(table.shape))")
        }
        self.table = table.values
    }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] { [inputs[1]] }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let indices = inputs[1].buffer, output = outputs[0].buffer
        for position in indices.indices {
            let index = indices[position]
            output[position] = index >= 0 && index < Float(table.count) && index == index.rounded(.towardZero) ? table[Int(index)] : .nan
        }
    }
}
