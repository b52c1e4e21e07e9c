/// A model's answer for a batch: `rowCount × columnCount` `Float`s, row-major.
///
/// One column for regressors, binary classifiers and `multi:softmax` (the class index); one column per class for
/// `multi:softprob`. Codecs turn it into response bytes without knowing which model produced it. A model that
/// computes in double precision (LightGBM) also fills `doubles`, which text answers print and NPY answers carry,
/// so a client reads the same float64 numbers the library's own `predict` returns.
public struct Predictions: Sendable, Equatable {
    public let rowCount: Int
    public let columnCount: Int
    public var values: [Float]
    /// The answers in double precision, when the model computed them so; nil otherwise.
    public var doubles: [Double]?
    /// The rows the model refuses, by row, each at most once (empty for nearly every batch): their values are
    /// written but not meant to be answered, and a request holding one is refused (`RowRefusal`).
    public var refusals: [RowRefusal] = []

    public init(rowCount: Int, columnCount: Int, values: [Float], doubles: [Double]? = nil) {
        precondition(values.count == rowCount * columnCount, "Predictions values must be rows × columns")
        precondition(doubles.map { $0.count == values.count } ?? true, "Predictions doubles must match its values")
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.values = values
        self.doubles = doubles
    }

    /// Answers computed in double precision, with their float32 narrowing beside them for float-only consumers.
    public init(rowCount: Int, columnCount: Int, doubles: [Double]) {
        self.init(rowCount: rowCount, columnCount: columnCount, values: doubles.map { Float($0) }, doubles: doubles)
    }

    public func row(_ index: Int) -> ArraySlice<Float> {
        values[rowRange(index)]
    }

    /// Where row `index` lies in `values`, `doubles` and `wideValues`.
    public func rowRange(_ index: Int) -> Range<Int> {
        index * columnCount ..< (index + 1) * columnCount
    }

    /// One row as doubles: the double answers when there are any, the float32 ones widened (exactly) otherwise.
    public func wideRow(_ index: Int) -> ArraySlice<Double> {
        let range = rowRange(index)
        if let doubles { return doubles[range] }
        return ArraySlice(values[range].map(Double.init))
    }

    /// Every row as doubles, widened once: what an encoder that reads each row's doubles takes before its loop,
    /// where `wideRow` would widen (and allocate) a row at a time.
    public var wideValues: [Double] { doubles ?? values.map(Double.init) }

    /// The rows `range`, as their own `Predictions` (what a batcher hands back to each joined request).
    public func rows(_ range: Range<Int>) -> Predictions {
        let span = range.lowerBound * columnCount ..< range.upperBound * columnCount
        var share = Predictions(rowCount: range.count, columnCount: columnCount, values: Array(values[span]),
                                doubles: doubles.map { Array($0[span]) })
        share.refusals = refusals.compactMap { range.contains($0.row) ? $0.moved(by: -range.lowerBound) : nil }
        return share
    }
}
