/// A graph kernel whose ONNX operator fails the request on some values in onnxruntime (an OneHotEncoder written
/// with `zeros=0` meeting an unknown category, a Gather or an ArrayFeatureExtractor meeting an index outside its
/// table), which says which rows held one, so that `CPUGraphModel` refuses them (`RowRefusal`) rather than answering
/// what the kernel wrote for them.
protocol RefusingGraphKernel: GraphKernel {
    /// Whether this kernel can refuse anything: checked once at load, so the graphs that cannot pay nothing a run.
    var refuses: Bool { get }
    /// The rows of `inputs` (their first dimension the batch, of `rows` rows) that the kernel refuses, by row from
    /// 0, in order, each once; empty for nearly every batch.
    func refusals(_ inputs: [TensorView], rows: Int) -> [RowRefusal]
}

extension RefusingGraphKernel {
    /// The rows of `values` (their first dimension the batch, of `rows` rows) holding a value `isRefused` refuses,
    /// each by the first such value, in order: what each refusing kernel answers `refusals` with.
    func rowsHolding(_ values: UnsafeMutableBufferPointer<Float>, rows: Int, refused isRefused: (Float) -> Bool,
                     describe: @escaping @Sendable (Float) -> String) -> [RowRefusal] {
        guard rows > 0, !values.isEmpty else { return [] }
        let perRow = values.count / rows
        var refused = [RowRefusal]()
        for row in 0..<rows {
            if let first = (row * perRow ..< (row + 1) * perRow).first(where: { isRefused(values[$0]) }) {
                refused.append(RowRefusal(row: row, value: values[first], describe: describe))
            }
        }
        return refused
    }
}
