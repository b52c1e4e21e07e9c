import Testing
@testable import BerthRuntime

/// The rule that turns batching on by default: a joined call must save a request at least the hand-off through the
/// batcher's queue costs (`JoinedCallSaving.minimum`), and the `model ready` line says what was measured.
@Suite struct JoinedCallSavingTests {
    @Test func savingLessThanAHandOffLeavesBatchingOff() {
        let small = JoinedCallSaving(perRequest: .microseconds(6))
        #expect(!small.pays)
        #expect(!BatchingChoice(measured: small).joins)
        #expect(small.description == "a joined call saves 6 µs a request, under the 15 µs a hand-off costs")
    }

    @Test func savingMoreThanAHandOffTurnsItOn() {
        let large = JoinedCallSaving(perRequest: .microseconds(42))
        #expect(large.pays)
        #expect(BatchingChoice(measured: large).joins)
        #expect(large.description == "a joined call saves 42 µs a request")
        #expect(JoinedCallSaving(perRequest: JoinedCallSaving.minimum).pays, "the minimum itself pays")
    }

    @Test func aSavingJustShortOfTheMinimumDoesNotReadAsReachingIt() {
        let justShort = JoinedCallSaving(perRequest: .nanoseconds(14_700))
        #expect(!justShort.pays)
        #expect(justShort.description == "a joined call saves 14 µs a request, under the 15 µs a hand-off costs")
    }

    @Test func aJoinedCallMeasuredSlowerSavesNothing() {
        #expect(JoinedCallSaving(perRequest: .microseconds(-3)).description.hasPrefix("a joined call saves 0 µs a request"))
    }
}
