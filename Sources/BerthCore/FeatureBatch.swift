/// The rows a request asks predictions for: `rowCount × columnCount` `Float`s, row-major, NaN = missing.
///
/// Every codec decodes into this one shape and every kernel reads it, so a kernel never learns which content
/// type the numbers came from. Values are float32 because that is what XGBoost compares thresholds in. A model
/// that compares in double precision (LightGBM: `FeaturePrecision.float64`) also gets `doubles`, the values as
/// the request wrote them before narrowing, which the codecs keep when asked to.
public struct FeatureBatch: Sendable, Equatable {
    public let rowCount: Int
    public let columnCount: Int
    public var values: [Float]
    /// The same values in double precision, when the decoder kept them; nil otherwise.
    public var doubles: [Double]?

    public init(rowCount: Int, columnCount: Int, values: [Float], doubles: [Double]? = nil) {
        precondition(values.count == rowCount * columnCount, "FeatureBatch values must be rows × columns")
        precondition(doubles.map { $0.count == values.count } ?? true, "FeatureBatch doubles must match its values")
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.values = values
        self.doubles = doubles
    }

    /// A batch of `rowCount` rows in which every feature is missing; used to warm a model up.
    public static func allMissing(rowCount: Int, columnCount: Int) -> FeatureBatch {
        let count = rowCount * columnCount
        return FeatureBatch(rowCount: rowCount, columnCount: columnCount, values: [Float](repeating: .nan, count: count),
                            doubles: [Double](repeating: .nan, count: count))
    }

    /// The rows `range`, as their own batch (with their doubles, when kept).
    public func rows(_ range: Range<Int>) -> FeatureBatch {
        let span = range.lowerBound * columnCount ..< range.upperBound * columnCount
        return FeatureBatch(rowCount: range.count, columnCount: columnCount, values: Array(values[span]),
                            doubles: doubles.map { Array($0[span]) })
    }

    /// The values in double precision: the kept doubles, or the float32 values widened (exactly) when none were kept.
    public var wideValues: [Double] {
        doubles ?? values.map(Double.init)
    }
}

/// How precisely a model compares feature values with its thresholds, which decides what a decoder keeps.
///
/// XGBoost and ONNX compare float32 (a request's numbers narrowed as numpy narrows them); LightGBM compares
/// doubles, so a value one double-ulp above a threshold must stay above it (docs/model-formats.md §4).
public enum FeaturePrecision: String, Sendable, Equatable {
    case float32
    case float64
}
