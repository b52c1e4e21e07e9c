import BerthCore
@testable import BerthRuntime
import BerthTestSupport
import Dispatch
import Logging
import Testing

/// The batcher must hand every request exactly the predictions of its own rows, whatever else was joined with it,
/// and give back every call it takes (a lost wake-up would hang a test: the time limit fails it instead).
@Suite(.timeLimit(.minutes(1))) struct PredictionBatcherTests {
    static func model(_ fixture: String = "xgboost-multiclass-ubjson") throws -> any CompiledModel {
        var configuration = try BerthConfiguration(environment: [:], processorCount: 2)
        configuration.model.directory = Fixtures.root + "/" + fixture + "/model"
        return try ModelLoader(configuration: configuration, backend: CPUBackend()).load(logger: .init(label: "test")).compiled
    }

    /// A float32 model, and a LightGBM one whose requests carry doubles that must reach its kernel joined; one joined
    /// call at a time, and three.
    @Test(arguments: [(Duration.zero, "xgboost-multiclass-ubjson", 1), (.microseconds(200), "xgboost-multiclass-ubjson", 1),
                      (.microseconds(200), "lightgbm-multiclass-categorical", 1), (.zero, "xgboost-multiclass-ubjson", 3),
                      (.microseconds(200), "lightgbm-multiclass-categorical", 3)])
    func concurrentRequestsGetTheirOwnRows(_ delay: Duration, _ fixture: String, _ calls: Int) async throws {
        let model = try Self.model(fixture)
        let batcher = PredictionBatcher(model: model, maxRows: 16, maxConcurrentCalls: calls, delay: delay)
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
        #expect(batcher.queuedRequestCount == 0)
        // A drain waits out its delay once more before it finds the queue empty and gives its call back.
        try await Self.waitUntil("every call given back") { batcher.takenCallCount == 0 }
    }

    /// Requests that arrive while a kernel call runs are answered together by the next call, each with its own rows.
    @Test func requestsThatQueueDuringACallAreJoinedIntoTheNext() async throws {
        let gated = GatedModel(try Self.model())
        let batcher = PredictionBatcher(model: gated, maxRows: 64)
        let leaderRows = FeatureBatch(rowCount: 1, columnCount: gated.featureCount, values: (0..<gated.featureCount).map { Float($0) / 4 })
        let leader = Task(executorPreference: OwnThreadExecutor()) { await batcher.predict(leaderRows) }
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

    /// With two calls allowed, a second request runs at once beside the first instead of queueing; only while both
    /// calls run do requests queue, and they are then answered together.
    @Test func requestsQueueOnlyWhileEveryCallIsTaken() async throws {
        let gated = GatedModel(try Self.model(), gatedCalls: 2)
        let batcher = PredictionBatcher(model: gated, maxRows: 64, maxConcurrentCalls: 2)
        func row(_ index: Int) -> FeatureBatch {
            FeatureBatch(rowCount: 1, columnCount: gated.featureCount, values: (0..<gated.featureCount).map { Float(index * $0 % 7) - 3 })
        }
        // The gated calls block their threads: each leader gets its own, so the pool's threads stay free for the rest.
        let first = Task(executorPreference: OwnThreadExecutor()) { await batcher.predict(row(1)) }
        try await Self.waitUntil("the first call started") { gated.calls.withLock { $0.count == 1 } }
        let second = Task(executorPreference: OwnThreadExecutor()) { await batcher.predict(row(2)) }
        try await Self.waitUntil("the second call started beside it") { gated.calls.withLock { $0.count == 2 } }
        let followers = (3..<13).map { index in (row(index), Task { await batcher.predict(row(index)) }) }
        try await Self.waitUntil("the ten requests queued") { batcher.queuedRequestCount == 10 }
        gated.open()
        #expect(await first.value == gated.inner.predict(row(1)))
        #expect(await second.value == gated.inner.predict(row(2)))
        for (batch, answer) in followers {
            #expect(await answer.value == gated.inner.predict(batch))
        }
        #expect(gated.calls.withLock { $0 } == [1, 1, 10], "two calls of one request, then the ten queued as one")
        #expect(batcher.takenCallCount == 0)
        _ = await batcher.predict(row(13))
        #expect(gated.calls.withLock { $0 } == [1, 1, 10, 1], "a request after them leads its own call")
    }

    /// A leader joins only the queued requests that fit beside its own rows in `maxRows`; the rest wait for the
    /// next call. (They queue while the leader waits out its delay, which is long here so that they surely do.)
    @Test func aLeaderJoinsOnlyWhatFitsInMaxRows() async throws {
        let recorded = GatedModel(try Self.model(), gatedCalls: 0)
        let batcher = PredictionBatcher(model: recorded, maxRows: 16, delay: .seconds(1))
        func rows(_ count: Int, _ seed: Int) -> FeatureBatch {
            FeatureBatch(rowCount: count, columnCount: recorded.featureCount,
                         values: (0..<count * recorded.featureCount).map { Float((seed + $0) % 9) - 4 })
        }
        let leader = Task { await batcher.predict(rows(10, 1)) }
        try await Self.waitUntil("the leader took the call") { batcher.takenCallCount == 1 }
        let queued = [rows(10, 2), rows(10, 3)].map { batch in (batch, Task { await batcher.predict(batch) }) }
        try await Self.waitUntil("both requests queued") { batcher.queuedRequestCount == 2 }
        #expect(recorded.calls.withLock { $0.isEmpty }, "the leader is still waiting out its delay")
        #expect(await leader.value == recorded.inner.predict(rows(10, 1)))
        for (batch, answer) in queued {
            #expect(await answer.value == recorded.inner.predict(batch))
        }
        #expect(recorded.calls.withLock { $0 } == [10, 10, 10], "no call over 16 rows")
        // The drain waits out its delay once more before it finds the queue empty and gives its call back.
        try await Self.waitUntil("the drain gave its call back") { batcher.takenCallCount == 0 }
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

/// Runs a task's jobs on a thread of its own, so that a model call blocking it (`GatedModel`) holds none of the
/// cooperative pool's threads, which on a 2-core machine are two.
final class OwnThreadExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "berth.test.own-thread")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// The real model, recording each kernel call's rows; the first `gatedCalls` calls wait until the test opens the
/// gate (or 30 s pass, longer than `waitUntil` waits, so a bug fails the test instead of hanging it).
final class GatedModel: CompiledModel, @unchecked Sendable {
    let inner: any CompiledModel
    let calls = LockedState([Int]())
    let gatedCalls: Int
    private let gate = DispatchSemaphore(value: 0)

    init(_ inner: any CompiledModel, gatedCalls: Int = 1) {
        self.inner = inner
        self.gatedCalls = gatedCalls
    }

    var featureCount: Int { inner.featureCount }
    var outputCount: Int { inner.outputCount }
    var residentBytes: Int { inner.residentBytes }
    var placement: Placement { inner.placement }

    func open() {
        for _ in 0..<gatedCalls { gate.signal() }
    }

    func predict(_ batch: FeatureBatch) -> Predictions {
        let gated = calls.withLock { calls in
            calls.append(batch.rowCount)
            return calls.count <= gatedCalls
        }
        if gated { _ = gate.wait(timeout: .now() + 30) }
        return inner.predict(batch)
    }
}
