/// ONNX Gather of a constant table's rows (axis 0) at indices computed from the request: PyTorch's `nn.Embedding`, a
/// tabular network's categorical columns cast to integers and looked up. The output is the indices' shape, then a
/// row's: `[N, k, D]` for k columns of `[V, D]` embeddings, so the batch stays first. Negative indices count from the
/// end, as ONNX says; an index that is not a whole number within the table gives a row of NaN, where onnxruntime fails
/// the request.
struct EmbeddingKernel: GraphKernel {
    let table: [Float]
    let tableShape: [Int]
    var constantInputs: Set<Int> { [0] }
    var residentBytes: Int { table.count * MemoryLayout<Float>.stride }

    init(table: ConstantTensor) throws(ModelValidationError) {
        guard let rows = table.shape.first, rows > 0 else {
            throw ModelValidationError("a Gather by computed indices takes a table of at least one row, not \(Shapes.describe(table.shape))")
        }
        self.table = table.values
        tableShape = table.shape
    }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        guard inputs[1].first == batch else {
            throw ModelValidationError("a Gather from a constant table takes indices computed from the request, batch first")
        }
        return [inputs[1] + tableShape.dropFirst()]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let indices = inputs[1].buffer, output = outputs[0].buffer.baseAddress!
        let rows = tableShape[0], width = tableShape.dropFirst().reduce(1, *)
        table.withUnsafeBufferPointer { table in
            for (position, index) in indices.enumerated() {
                let target = output + position * width
                let row = index < 0 ? index + Float(rows) : index
                guard row >= 0, row < Float(rows), Float(Int(row)) == row else {
                    target.update(repeating: .nan, count: width)
                    continue
                }
                ValueRuns.copy(width, from: table.baseAddress! + Int(row) * width, to: target)
            }
        }
    }
}
