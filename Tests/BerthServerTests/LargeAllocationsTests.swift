#if canImport(Glibc)
import Glibc
import Testing
import BerthServer

/// Large buffers must stay on their own mappings, whatever was freed before them.
@Suite struct LargeAllocationsTests {
    /// Whether glibc serves the block at `pointer` with its own mapping: bit 1 (`IS_MMAPPED`) of the chunk's size
    /// word, just before the block. glibc's chunk layout has been this since 1996; the test reads it because no
    /// public call says how a block was served.
    func isMapped(_ pointer: UnsafeMutableRawPointer) -> Bool {
        pointer.load(fromByteOffset: -MemoryLayout<Int>.size, as: Int.self) & 2 != 0
    }

    /// AddressSanitizer replaces malloc, and the word before a block is its red zone.
    static let glibcServesMalloc = dlsym(nil, "__asan_init") == nil

    @Test(.enabled(if: glibcServesMalloc, "AddressSanitizer's allocator has no glibc chunk headers"))
    func aBlockAboveTheThresholdIsMappedAfterALargerOneWasFreed() throws {
        LargeAllocations.returnToTheSystemWhenFreed()
        // Unfixed, freeing this mapped 8 MiB block would raise glibc's threshold above the next block's size.
        let large = try #require(malloc(8 << 20))
        free(large)
        let block = try #require(malloc(Int(LargeAllocations.threshold) + 4096))
        defer { free(block) }
        #expect(isMapped(block))
        let small = try #require(malloc(1024))
        defer { free(small) }
        #expect(!isMapped(small))
    }
}
#endif
