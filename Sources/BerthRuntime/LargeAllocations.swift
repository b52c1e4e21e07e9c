#if canImport(Glibc)
import Glibc
#endif

/// How the C allocator treats the large buffers a server makes and frees on every big request (request bodies,
/// feature batches, responses of megabytes).
///
/// glibc serves a block of at least `M_MMAP_THRESHOLD` (128 KiB at first) with its own `mmap` and unmaps it when
/// it is freed — but it raises that threshold to the size of every such block freed, up to 32 MiB. After the first
/// 2 MB body the next request's feature buffer falls under the threshold, comes from a heap arena, and stays
/// resident once freed, in each thread's arena. With the threshold fixed, a large buffer that no free heap space can
/// hold gets its own mapping instead of growing an arena, so after a burst of large requests the process holds
/// close to what the model and the small buffers need, not its peak (the effect on RSS is in docs/performance.md).
/// The price is one page fault per 4 KiB of each large buffer, far below the work of a request that size.
public enum LargeAllocations {
    /// The size from which a block is mapped on its own and returned to the system when freed.
    public static let threshold: Int32 = 256 * 1024

    /// Fixes glibc's `mmap` threshold at `threshold`; call once at start, before the first large allocation.
    /// Returns whether the allocator took the setting. `mallopt` is looked up at run time because Swift's Glibc
    /// module does not import `<malloc.h>`; elsewhere (another libc, Darwin) this does nothing and returns false.
    @discardableResult
    public static func returnToTheSystemWhenFreed() -> Bool {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD in <malloc.h>
        guard let symbol = dlsym(nil, "mallopt") else { return false }
        return unsafeBitCast(symbol, to: Mallopt.self)(mmapThreshold, threshold) == 1
        #else
        return false
        #endif
    }
}
