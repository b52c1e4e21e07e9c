#if canImport(Glibc)
@testable import BerthRuntime
import Glibc
import Testing

/// The allocator setting behind "large buffers go back to the system". Its effect (RSS after large requests) is
/// measured by `Benchmarks/end-to-end.py`, not here: in a test process other tests' freed heap can serve a large
/// block whatever the threshold.
@Suite struct LargeAllocationsTests {
    /// AddressSanitizer replaces malloc, and its `mallopt` takes nothing.
    static let glibcServesMalloc = dlsym(nil, "__asan_init") == nil

    @Test(.enabled(if: glibcServesMalloc, "AddressSanitizer's allocator ignores mallopt"))
    func glibcTakesTheFixedThreshold() {
        #expect(LargeAllocations.returnToTheSystemWhenFreed())
    }
}
#endif
