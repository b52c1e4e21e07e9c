/// A model's answer for a batch: `rowCount × columnCount` `Float`s, row-major.
///
/// One column for regressors, binary classifiers and `multi:softmax` (the class index); one column per class for
/// `multi:softprob`. Codecs turn it into response bytes without knowing which model produced it.
public struct Predictions: Sendable, Equatable {
    public let rowCount: Int
    public let columnCount: Int
    public var values: [Float]

    public init(rowCount: Int, columnCount: Int, values: [Float]) {
        precondition(values.count == rowCount * columnCount, "Predictions values must be rows × columns")
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.values = values
    }

    public func row(_ index: Int) -> ArraySlice<Float> {
        values[index * columnCount ..< (index + 1) * columnCount]
    }
}
