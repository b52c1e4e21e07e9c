/// The rows a request asks predictions for: `rowCount × columnCount` `Float`s, row-major, NaN = missing.
///
/// Every codec decodes into this one shape and every kernel reads it, so a kernel never learns which content
/// type the numbers came from. Values are float32 because that is what XGBoost compares thresholds in.
public struct FeatureBatch: Sendable, Equatable {
    public let rowCount: Int
    public let columnCount: Int
    public var values: [Float]

    public init(rowCount: Int, columnCount: Int, values: [Float]) {
        precondition(values.count == rowCount * columnCount, "FeatureBatch values must be rows × columns")
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.values = values
    }

    /// A batch of `rowCount` rows in which every feature is missing; used to warm a model up.
    public static func allMissing(rowCount: Int, columnCount: Int) -> FeatureBatch {
        FeatureBatch(rowCount: rowCount, columnCount: columnCount,
                     values: [Float](repeating: .nan, count: rowCount * columnCount))
    }
}
