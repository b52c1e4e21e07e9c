import BerthArtifacts
import BerthCore
import BerthFormats
import BerthTestSupport
@testable import BerthCUDA

/// The fixture models and rows the GPU tests compare the devices on.
enum FixtureModels {
    /// The model file of `opt-ml-fixtures/<fixture>/model`, read.
    static func load(_ fixture: String) throws -> LoadedModel {
        let contents = try ArtifactStore(directory: Fixtures.root + "/" + fixture + "/model").open()
        guard let file = contents.files.first(where: { ModelFormat.detect($0.bytes) != nil }) else {
            throw ModelValidationError("\(fixture) holds no model file")
        }
        return try ModelReader.read(file: file.path, bytes: file.bytes, siblings: contents.sibling(of: file.path))
    }

    /// Rows around the thresholds of `model`'s forest — an XGBoost or LightGBM model's, CatBoost's oblivious trees, or
    /// an ONNX graph's TreeEnsemble node — or nil when it has none.
    static func syntheticRows(for model: ModelIR) throws -> SyntheticRows? {
        switch model {
        case .trees(let ensemble):
            return SyntheticRows(forest: try PackedForest(ensemble), featureCount: ensemble.featureCount)
        case .doubleTrees(let forest):
            return SyntheticRows(forest: try PackedDoubleForest(forest), featureCount: forest.featureCount)
        case .obliviousTrees(let forest):
            return SyntheticRows(forest: forest)
        case .graph(let graph):
            for node in graph.nodes {
                if case .treeEnsemble(let operation) = node.operation {
                    return SyntheticRows(forest: try PackedForest(operation.ensemble), featureCount: operation.ensemble.featureCount)
                }
            }
            return nil
        case .linear:
            return nil
        }
    }

    /// `rowCount` rows for `model`: around its forest's thresholds when it has one, else in [-1, 1); every 97th
    /// row has a missing value, and every 89th a value LightGBM reads as zero (within ±1e-35). 70,000 rows are two
    /// chunks, so both streams of a lane. A model that compares in double gets the doubles as well.
    static func rows(for model: ModelIR, rowCount: Int = 70_000) throws -> FeatureBatch {
        let width = model.featureCount
        var batch = try syntheticRows(for: model)?.batch(rowCount: rowCount)
            ?? FeatureBatch(rowCount: rowCount, columnCount: width, values: SyntheticRows.uniform(count: rowCount * width))
        func set(row: Int, to value: Double) {
            batch.values[row * width + row % width] = Float(value)
            batch.doubles?[row * width + row % width] = value
        }
        for row in stride(from: 0, to: batch.rowCount, by: 97) { set(row: row, to: .nan) }
        for row in stride(from: 0, to: batch.rowCount, by: 89) where row % 97 != 0 { set(row: row, to: row % 2 == 0 ? 1e-36 : -1e-36) }
        return batch
    }

    /// The rows of the fixture's `requests/rows.csv` (an empty field is missing), as doubles and as float32: for
    /// LightGBM and CatBoost, rows exactly on split thresholds and one ulp either side.
    static func requestRows(_ fixture: String, featureCount: Int) throws -> FeatureBatch {
        let text = String(decoding: try Fixtures.bytes(Fixtures.root + "/" + fixture + "/requests/rows.csv"), as: UTF8.self)
        let doubles = text.split(separator: "\n").flatMap { line in
            line.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) ?? .nan }
        }
        return FeatureBatch(rowCount: doubles.count / featureCount, columnCount: featureCount, values: doubles.map { Float($0) },
                            doubles: doubles)
    }

    /// The first `rowCount` rows of `batch`, doubles included.
    static func prefix(_ batch: FeatureBatch, rows rowCount: Int) -> FeatureBatch {
        let count = rowCount * batch.columnCount
        return FeatureBatch(rowCount: rowCount, columnCount: batch.columnCount, values: Array(batch.values.prefix(count)),
                            doubles: batch.doubles.map { Array($0.prefix(count)) })
    }

    /// Whether `got` holds `expected`'s answers exactly, float32 and (where the model answers them) double; NaN
    /// matches NaN.
    static func sameAnswers(_ got: Predictions, _ expected: Predictions) -> Bool {
        func same<Value: FloatingPoint>(_ left: [Value], _ right: [Value]) -> Bool {
            left.elementsEqual(right) { $0 == $1 || $0.isNaN && $1.isNaN }
        }
        guard got.rowCount == expected.rowCount, got.columnCount == expected.columnCount, same(got.values, expected.values) else { return false }
        switch (got.doubles, expected.doubles) {
        case (nil, nil): return true
        case (let got?, let expected?): return same(got, expected)
        default: return false
        }
    }
}
