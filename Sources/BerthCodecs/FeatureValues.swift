import BerthCore

/// The values a decoder gathers for a batch: float32 always (what XGBoost and ONNX read), and the doubles they
/// were narrowed from as well when the model compares in double precision (LightGBM), so one decoder serves both.
struct FeatureValues {
    private(set) var floats: [Float]
    private(set) var doubles: [Double]?

    init(precision: FeaturePrecision, reservingCapacity capacity: Int = 0) {
        floats = []
        floats.reserveCapacity(capacity)
        if precision == .float64 {
            var doubles = [Double]()
            doubles.reserveCapacity(capacity)
            self.doubles = doubles
        }
    }

    var count: Int { floats.count }

    /// Appends a number as the request wrote it (already read as the correctly rounded double).
    @inline(__always)
    mutating func append(_ value: Double) {
        floats.append(Float(value))
        doubles?.append(value)
    }

    /// Appends `count` missing values (a sparse row's absent features).
    mutating func appendMissing(count: Int) {
        floats.append(contentsOf: repeatElement(.nan, count: count))
        doubles?.append(contentsOf: repeatElement(.nan, count: count))
    }

    func isMissing(at index: Int) -> Bool { floats[index].isNaN }

    /// Sets an already appended value (a sparse row's present feature).
    mutating func set(_ value: Double, at index: Int) {
        floats[index] = Float(value)
        doubles?[index] = value
    }

    func batch(rowCount: Int, columnCount: Int) -> FeatureBatch {
        FeatureBatch(rowCount: rowCount, columnCount: columnCount, values: floats, doubles: doubles)
    }
}
