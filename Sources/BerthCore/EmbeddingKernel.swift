import BerthText

/// ONNX Gather of a constant table's rows (axis 0) at indices computed from the request: PyTorch's `nn.Embedding`, a
/// tabular network's categorical columns cast to integers and looked up. The output is the indices' shape, then a
/// row's: `[N, k, D]` for k columns of `[V, D]` embeddings, so the batch stays first. Negative indices count from the
/// end, as ONNX says; an index that is not a whole number within the table gives a row of NaN, and the request is
/// refused naming the row (`RefusingGraphKernel`), as onnxruntime fails it.
struct EmbeddingKernel: RefusingGraphKernel {
    let table: [Float]
    let tableShape: [Int]
    /// The node's name, for the refusal.
    let nodeName: String
    var refuses: Bool { true }
    var constantInputs: Set<Int> { [0] }
    var residentBytes: Int { table.count * MemoryLayout<Float>.stride }

    init(table: ConstantTensor, nodeName: String = "") throws(ModelValidationError) {
        guard let rows = table.shape.first, rows > 0 else {
            throw ModelValidationError("a Gather by computed indices takes a table of at least one row, not \(Shapes.describe(table.shape))")
        }
        self.table = table.values
        tableShape = table.shape
        self.nodeName = nodeName
    }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        guard inputs[1].first == batch else {
            throw ModelValidationError("a Gather from a constant table takes indices computed from the request, batch first")
        }
        return [inputs[1] + tableShape.dropFirst()]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let indices = inputs[1].buffer, output = outputs[0].buffer.baseAddress!
        let width = tableShape.dropFirst().reduce(1, *)
        table.withUnsafeBufferPointer { table in
            for (position, index) in indices.enumerated() {
                let target = output + position * width
                guard let row = Shapes.place(index, along: tableShape[0]) else {
                    target.update(repeating: .nan, count: width)
                    continue
                }
                ValueRuns.copy(width, from: table.baseAddress! + row * width, to: target)
            }
        }
    }

    func refusals(_ inputs: [TensorView], rows: Int) -> [RowRefusal] {
        rowsHolding(inputs[1].buffer, rows: rows, refused: { Shapes.place($0, along: tableShape[0]) == nil }) { [tableShape, nodeName] in
            Self.reason($0, tableRows: tableShape[0], nodeName: nodeName)
        }
    }

    /// Why a row holding the index `value` is refused.
    private static func reason(_ value: Float, tableRows rows: Int, nodeName: String) -> String {
        let held = RowRefusal.naming(value, as: "index")
        return """
            \(held) reaches the model's Gather\(nodeName.isEmpty ? "" : " \(quoted: nodeName)") from a table of \(rows) rows (an \
            embedding, PyTorch's nn.Embedding), which has no such row, so onnxruntime refuses it too: send a code from 0 to \
            \(rows - 1), or from -\(rows) to -1 to count from the table's end
            """
    }
}
