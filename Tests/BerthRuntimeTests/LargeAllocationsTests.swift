#if canImport(Glibc)
@testable import BerthRuntime
import Glibc
import Testing

/// The allocator settings behind "large buffers go back to the system". Their effect (RSS after large requests, and
/// the page faults a server saves) is measured by `Benchmarks/end-to-end.py` and `Benchmarks/large-requests.py`, not
/// here: in a test process other tests' freed heap can serve a large block whatever the threshold.
@Suite(.serialized) struct LargeAllocationsTests {
    /// AddressSanitizer replaces malloc, and its `mallopt` takes nothing.
    static let glibcServesMalloc = dlsym(nil, "__asan_init") == nil

    @Test(.enabled(if: glibcServesMalloc, "AddressSanitizer's allocator ignores mallopt"))
    func glibcTakesTheFixedThreshold() {
        #expect(LargeAllocations.returnToTheSystemWhenFreed())
    }

    @Test(.enabled(if: glibcServesMalloc, "AddressSanitizer's allocator ignores mallopt"))
    func glibcTakesTheServersSettingsAndHandsBackFreePages() {
        #expect(LargeAllocations.reuseWhileBusy())
        // A freed 3 MiB block with a live block after it sits in a bin, not at the arena's top: its pages are free
        // and resident until a trim hands them back.
        let block = malloc(3 << 20)!
        memset(block, 1, 3 << 20)
        let after = malloc(64)
        free(block)
        #expect(LargeAllocations.returnFreePages())
        free(after)
        #expect(LargeAllocations.returnToTheSystemWhenFreed())
    }
}
#endif
