import BerthText

/// A constant table's entries at computed indices (`GraphOperation.tableLookup`): how skl2onnx's k-nearest-neighbours
/// models read each neighbour's training label or target (an `ai.onnx.ml` ArrayFeatureExtractor of the table). A 1-D
/// table gives a tensor shaped like the indices; a table of `T` rows (a regressor's `T` targets) gives `[N, T, …]`,
/// each row of the table at a request row's indices. An index that is not a whole number within the table gives NaN,
/// and the request is refused naming the row (`RefusingGraphKernel`), as onnxruntime fails it.
struct TableLookupKernel: RefusingGraphKernel {
    let table: [Float]
    /// The table's rows: 1 for a 1-D table.
    let tableRows: Int
    let isOneDimensional: Bool
    var constantInputs: Set<Int> { [0] }
    var residentBytes: Int { table.count * MemoryLayout<Float>.stride }
    /// The node's name, for the refusal.
    let nodeName: String
    var refuses: Bool { true }

    init(table: ConstantTensor, nodeName: String = "") throws(ModelValidationError) {
        guard table.shape.count == 1 || table.shape.count == 2, !table.values.isEmpty else {
            throw ModelValidationError("a lookup by computed indices takes a 1-D or 2-D table, not \(Shapes.describe(table.shape))")
        }
        self.table = table.values
        isOneDimensional = table.shape.count == 1
        tableRows = isOneDimensional ? 1 : table.shape[0]
        self.nodeName = nodeName
    }

    /// Whether `index` names an entry of a table row `width` long.
    @inline(__always)
    private static func isEntry(_ index: Float, width: Int) -> Bool {
        index >= 0 && index < Float(width) && index == index.rounded(.towardZero)
    }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        guard !isOneDimensional else { return [inputs[1]] }
        guard inputs[1].first == batch else { throw ModelValidationError("a lookup in a 2-D table takes indices computed from the request") }
        return [[batch, tableRows] + inputs[1].dropFirst()]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let indices = inputs[1].buffer, output = outputs[0].buffer
        let width = table.count / tableRows
        let perRow = inputs[1].shape.dropFirst().reduce(1, *), rows = indices.count / max(perRow, 1)
        var target = 0
        for row in 0..<rows {
            for tableRow in 0..<tableRows {
                for position in (row * perRow)..<((row + 1) * perRow) {
                    let index = indices[position]
                    output[target] = Self.isEntry(index, width: width) ? table[tableRow * width + Int(index)] : .nan
                    target += 1
                }
            }
        }
    }

    func refusals(_ inputs: [TensorView], rows: Int) -> [RowRefusal] {
        let width = table.count / tableRows
        return rowsHolding(inputs[1].buffer, rows: rows, refused: { !Self.isEntry($0, width: width) }) { [nodeName] in
            Self.reason($0, width: width, nodeName: nodeName)
        }
    }

    /// Why a row holding the index `value` is refused.
    private static func reason(_ value: Float, width: Int, nodeName: String) -> String {
        let held = RowRefusal.naming(value, as: "index")
        return """
            \(held) reaches the model's ArrayFeatureExtractor\(nodeName.isEmpty ? "" : " \(quoted: nodeName)") from a table of \(width) \
            entries, which has no such entry, so onnxruntime refuses it too: the indices it reads must be whole numbers from 0 \
            to \(width - 1)
            """
    }
}
