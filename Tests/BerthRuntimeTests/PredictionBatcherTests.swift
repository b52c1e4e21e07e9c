import BerthCore
@testable import BerthRuntime
import BerthTestSupport
import Dispatch
import Logging
import Testing

/// The batcher must hand every request exactly the predictions of its own rows, whatever else was joined with it.
@Suite struct PredictionBatcherTests {
    static func model(_ fixture: String = "xgboost-multiclass-ubjson") throws -> any CompiledModel {
        var configuration = try BerthConfiguration(environment: [:], processorCount: 2)
        configuration.model.directory = Fixtures.root + "/" + fixture + "/model"
        return try ModelLoader(configuration: configuration, backend: CPUBackend()).load(logger: .init(label: "test")).compiled
    }

    /// A float32 model, and a LightGBM one whose requests carry doubles that must reach its kernel joined.
    @Test(arguments: [(Duration.zero, "xgboost-multiclass-ubjson"), (.microseconds(200), "xgboost-multiclass-ubjson"),
                      (.microseconds(200), "lightgbm-multiclass-categorical")])
    func concurrentRequestsGetTheirOwnRows(_ delay: Duration, _ fixture: String) async throws {
        let model = try Self.model(fixture)
        let batcher = PredictionBatcher(model: model, maxRows: 16, delay: delay)
        var generator = SplitMix(seed: 9)
        let batches: [FeatureBatch] = (0..<200).map { index in
            let rows = 1 + index % 20  // some at or over maxRows, which run alone
            let doubles = (0..<rows * model.featureCount).map { _ in Double(Int(generator.next() % 2001) - 1000) / 500 + 1e-12 }
            return FeatureBatch(rowCount: rows, columnCount: model.featureCount, values: doubles.map { Float($0) },
                                doubles: model.featurePrecision == .float64 ? doubles : nil)
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

    /// Requests that arrive while a kernel call runs are answered together by the next call, each with its own rows.
    @Test func requestsThatQueueDuringACallAreJoinedIntoTheNext() async throws {
        let gated = GatedModel(try Self.model())
        let batcher = PredictionBatcher(model: gated, maxRows: 64)
        let leaderRows = FeatureBatch(rowCount: 1, columnCount: gated.featureCount, values: (0..<gated.featureCount).map { Float($0) / 4 })
        let leader = Task { await batcher.predict(leaderRows) }
        try await Self.waitUntil("the leader's kernel call started") { gated.calls.withLock { !$0.isEmpty } }
        let followers = (0..<10).map { index in
            FeatureBatch(rowCount: 1, columnCount: gated.featureCount, values: (0..<gated.featureCount).map { Float(index * $0 % 7) - 3 })
        }
        let answers = followers.map { batch in Task { await batcher.predict(batch) } }
        try await Self.waitUntil("the ten requests queued") { batcher.queuedRequestCount == 10 }
        gated.open()
        #expect(await leader.value == gated.inner.predict(leaderRows))
        for (batch, answer) in zip(followers, answers) {
            #expect(await answer.value == gated.inner.predict(batch))
        }
        #expect(gated.calls.withLock { $0 } == [1, 10], "the ten queued requests are one kernel call")
    }

    static func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting until \(what)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// The real model, recording each kernel call's rows; the first call waits until the test opens the gate (or
/// 10 s pass, so a bug fails the test instead of hanging it).
final class GatedModel: CompiledModel, @unchecked Sendable {
    let inner: any CompiledModel
    let calls = LockedState([Int]())
    private let gate = DispatchSemaphore(value: 0)

    init(_ inner: any CompiledModel) { self.inner = inner }

    var featureCount: Int { inner.featureCount }
    var outputCount: Int { inner.outputCount }
    var residentBytes: Int { inner.residentBytes }
    var placement: Placement { inner.placement }

    func open() { gate.signal() }

    func predict(_ batch: FeatureBatch) -> Predictions {
        let first = calls.withLock { calls in
            calls.append(batch.rowCount)
            return calls.count == 1
        }
        if first { _ = gate.wait(timeout: .now() + 10) }
        return inner.predict(batch)
    }
}
