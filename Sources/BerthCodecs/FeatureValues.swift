import BerthCore

/// The values a decoder gathers for a batch: float32 always (what XGBoost and ONNX read), and, in `KeptDoubles`,
/// the doubles they were narrowed from as well (LightGBM compares doubles).
///
/// Decoders are generic over it and pick the conformance once per request from `FeaturePrecision`, so the
/// float32 path is compiled without a single check for doubles in its loops.
protocol FeatureValues: SendableMetatype {
    init(reservingCapacity capacity: Int)
    var count: Int { get }
    /// Appends a number as the request wrote it (already read as the correctly rounded double).
    mutating func append(_ value: Double)
    /// Appends a row of numbers already read (a RecordIO tensor, a JSON Lines record) in one go.
    mutating func append(contentsOf row: [Double])
    /// Appends `count` missing values (a sparse row's absent features).
    mutating func appendMissing(count: Int)
    func isMissing(at index: Int) -> Bool
    /// Sets an already appended value (a sparse row's present feature).
    mutating func set(_ value: Double, at index: Int)
    /// Drops the last `count` values: a JSON Lines record read partway before it proved not to be plain numbers.
    mutating func removeLast(_ count: Int)
    func batch(rowCount: Int, columnCount: Int) -> FeatureBatch
}

/// Float32 values only: what XGBoost and ONNX models read.
struct Float32Values: FeatureValues {
    private var floats: [Float] = []

    init(reservingCapacity capacity: Int) { floats.reserveCapacity(capacity) }

    var count: Int { floats.count }
    @inline(__always) mutating func append(_ value: Double) { floats.append(Float(value)) }
    mutating func append(contentsOf row: [Double]) { floats.append(contentsOf: row.lazy.map { Float($0) }) }
    mutating func appendMissing(count: Int) { floats.append(contentsOf: repeatElement(.nan, count: count)) }
    func isMissing(at index: Int) -> Bool { floats[index].isNaN }
    mutating func set(_ value: Double, at index: Int) { floats[index] = Float(value) }
    mutating func removeLast(_ count: Int) { floats.removeLast(count) }
    func batch(rowCount: Int, columnCount: Int) -> FeatureBatch {
        FeatureBatch(rowCount: rowCount, columnCount: columnCount, values: floats)
    }
}

/// Float32 values and the doubles beside them, for a model that compares doubles.
struct KeptDoubles: FeatureValues {
    private var floats: [Float] = []
    private var doubles: [Double] = []

    init(reservingCapacity capacity: Int) {
        floats.reserveCapacity(capacity)
        doubles.reserveCapacity(capacity)
    }

    var count: Int { floats.count }

    @inline(__always) mutating func append(_ value: Double) {
        floats.append(Float(value))
        doubles.append(value)
    }

    mutating func append(contentsOf row: [Double]) {
        floats.append(contentsOf: row.lazy.map { Float($0) })
        doubles.append(contentsOf: row)
    }

    mutating func appendMissing(count: Int) {
        floats.append(contentsOf: repeatElement(.nan, count: count))
        doubles.append(contentsOf: repeatElement(.nan, count: count))
    }

    func isMissing(at index: Int) -> Bool { floats[index].isNaN }

    mutating func set(_ value: Double, at index: Int) {
        floats[index] = Float(value)
        doubles[index] = value
    }

    mutating func removeLast(_ count: Int) {
        floats.removeLast(count)
        doubles.removeLast(count)
    }

    func batch(rowCount: Int, columnCount: Int) -> FeatureBatch {
        FeatureBatch(rowCount: rowCount, columnCount: columnCount, values: floats, doubles: doubles)
    }
}

/// One row's values as doubles, held before they go into the batch: a CSV line in the order its header names them,
/// before `CSVHeaderColumns` places them; a RecordIO tensor until it proves dense or sparse.
struct ScratchValues: FeatureValues {
    private(set) var values: [Double] = []

    init() {}
    init(reservingCapacity capacity: Int) { values.reserveCapacity(capacity) }

    var count: Int { values.count }
    @inline(__always) mutating func append(_ value: Double) { values.append(value) }
    mutating func append(contentsOf row: [Double]) { values.append(contentsOf: row) }
    mutating func appendMissing(count: Int) { values.append(contentsOf: repeatElement(.nan, count: count)) }
    func isMissing(at index: Int) -> Bool { values[index].isNaN }
    mutating func set(_ value: Double, at index: Int) { values[index] = value }
    mutating func removeLast(_ count: Int) { values.removeLast(count) }
    mutating func removeAll() { values.removeAll(keepingCapacity: true) }
    func batch(rowCount: Int, columnCount: Int) -> FeatureBatch {
        FeatureBatch(rowCount: rowCount, columnCount: columnCount, values: values.map(Float.init), doubles: values)
    }
}
