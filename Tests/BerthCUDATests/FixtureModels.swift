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

    /// The float32 forest of an XGBoost model, or of an ONNX graph's TreeEnsemble node (LightGBM's double forests
    /// stay on the CPU).
    static func forest(in model: ModelIR) -> TreeEnsemble? {
        switch model {
        case .trees(let ensemble): return ensemble
        case .graph(let graph):
            for node in graph.nodes { if case .treeEnsemble(let operation) = node.operation { return operation.ensemble } }
            return nil
        case .linear, .doubleTrees, .obliviousTrees: return nil
        }
    }

    /// `rowCount` rows for `model`: around its forest's thresholds when it has one, else in [-1, 1); every 97th
    /// row has a missing value. 70,000 rows are two chunks, so both streams of a lane.
    static func rows(for model: ModelIR, rowCount: Int = 70_000) throws -> FeatureBatch {
        let width = model.featureCount
        var batch = if let ensemble = forest(in: model) {
            SyntheticRows(forest: try PackedForest(ensemble), featureCount: width).batch(rowCount: rowCount)
        } else {
            FeatureBatch(rowCount: rowCount, columnCount: width, values: SyntheticRows.uniform(count: rowCount * width))
        }
        for row in stride(from: 0, to: batch.rowCount, by: 97) { batch.values[row * width + row % width] = .nan }
        return batch
    }
}
