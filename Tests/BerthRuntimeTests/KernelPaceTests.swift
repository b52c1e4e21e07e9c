import BerthCore
@testable import BerthRuntime
import BerthTestSupport
import Logging
import Testing

/// The estimate that moves a request with few but costly rows off the cooperative pool (`KernelPace`).
struct KernelPaceTests {
    @Test func theFirstCallSetsThePaceARow() {
        let pace = KernelPace(.microseconds(30), rows: 3)
        #expect(pace.estimate(rows: 1) == .microseconds(10))
        #expect(pace.estimate(rows: 250) == .microseconds(2_500))
        #expect(pace.estimate(rows: 0) == .zero)
    }

    @Test func eachCallMovesThePaceAQuarterOfTheWay() {
        let pace = KernelPace(.microseconds(10), rows: 1)
        pace.record(.milliseconds(1), rows: 10)
        #expect(pace.estimate(rows: 1) == .nanoseconds(32_500))
        pace.record(.seconds(1), rows: 0)
        #expect(pace.estimate(rows: 1) == .nanoseconds(32_500))
    }

    @Test func anEstimatePastTheClockSaturates() {
        let pace = KernelPace(.seconds(1), rows: 1)
        #expect(pace.estimate(rows: .max) == .nanoseconds(Int.max))
    }

    /// The model's pace starts from a timed call at load; a pace of a millisecond a row moves three rows off the pool,
    /// and keeps one on it.
    @Test func aLoadedModelHasAPaceFromItsLoad() throws {
        var configuration = try BerthConfiguration(environment: [:], processorCount: 2)
        configuration.model.directory = Fixtures.root + "/xgboost-binary-legacy/model"
        let served = try ModelLoader(configuration: configuration, backend: CPUBackend()).load(logger: Logger(label: "test"))
        #expect(served.pace.estimate(rows: 1) > .zero)
        let slow = ServedModel(compiled: served.compiled, summary: served.summary, outputSelection: nil, defaultJSONSelection: nil,
                               batcher: nil, batching: served.batching, metrics: served.metrics, triton: nil,
                               pace: KernelPace(.milliseconds(1), rows: 1))
        #expect(slow.predictsOffThePool(rows: 3))
        #expect(!slow.predictsOffThePool(rows: 1))
    }
}
