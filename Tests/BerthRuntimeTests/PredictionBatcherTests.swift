import BerthCore
@testable import BerthRuntime
import BerthTestSupport
import Logging
import Testing

/// The batcher must hand every request exactly the predictions of its own rows, whatever else was joined with it.
@Suite struct PredictionBatcherTests {
    static func model() throws -> any CompiledModel {
        var configuration = try BerthConfiguration(environment: [:], processorCount: 2)
        configuration.model.directory = Fixtures.root + "/xgboost-multiclass-ubjson/model"
        return try ModelLoader(configuration: configuration, backend: CPUBackend()).load(logger: .init(label: "test")).compiled
    }

    @Test(arguments: [Duration.zero, .microseconds(200)])
    func concurrentRequestsGetTheirOwnRows(_ delay: Duration) async throws {
        let model = try Self.model()
        let batcher = PredictionBatcher(model: model, maxRows: 16, delay: delay)
        var generator = SplitMix(seed: 9)
        let batches: [FeatureBatch] = (0..<200).map { index in
            let rows = 1 + index % 20  // some at or over maxRows, which run alone
            let values = (0..<rows * model.featureCount).map { _ in Float(Int(generator.next() % 2001) - 1000) / 500 }
            return FeatureBatch(rowCount: rows, columnCount: model.featureCount, values: values)
        }
        let results = await withTaskGroup(of: (Int, Predictions).self) { group in
            for (index, batch) in batches.enumerated() {
                group.addTask { (index, await batcher.predict(batch)) }
            }
            var results = [Int: Predictions]()
            for await (index, predictions) in group { results[index] = predictions }
            return results
        }
        for (index, batch) in batches.enumerated() {
            #expect(results[index] == model.predict(batch), "request \(index)")
        }
    }
}
