import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How the C allocator treats the large buffers made and freed on every big request (request bodies, feature
/// batches, responses of megabytes): two policies, one for a batch job and one for a server.
///
/// glibc serves a block of at least `M_MMAP_THRESHOLD` (128 KiB at first) with its own `mmap` and unmaps it when
/// it is freed, but it raises that threshold to the size of every such block freed, up to 32 MiB, after which
/// freed large blocks stay resident in each thread's arena for good. Both policies fix the threshold, so memory
/// after a burst of large requests returns to what the model and the small buffers need, not the burst's peak:
///
/// - `returnToTheSystemWhenFreed()` (`berth predict`, one request at a time): every block from 256 KiB has its own
///   mapping, at one page fault per 4 KiB of each large buffer.
/// - `reuseWhileBusy()` (`berth serve`): blocks up to 32 MiB come from the arenas, so the next request reuses the
///   pages the last one freed without faulting them in afresh (about 4 % of a 10,000-row request). Every second
///   `malloc_trim` hands back every free page in the arenas' bins and at the main arena's top; the other arenas
///   keep up to 4 MiB free at their tops. Under steady load a trim catches only the blocks free at that instant
///   (981 → 262 page faults a 10,000-row request); a second after a burst the server holds about what it held
///   before it (docs/performance.md, "Large requests").
///
/// `mallopt` and `malloc_trim` are looked up at run time because Swift's Glibc module does not import
/// `<malloc.h>`; elsewhere (another libc, Darwin) both policies do nothing and return false.
public enum LargeAllocations {
    /// The size from which `returnToTheSystemWhenFreed` maps a block on its own and returns it when freed.
    public static let threshold: Int32 = 256 * 1024

    /// The largest block `reuseWhileBusy` lets an arena keep for reuse: glibc's own ceiling for the threshold.
    public static let reusedUpTo: Int32 = 32 * 1024 * 1024

    /// The most free memory `reuseWhileBusy` lets an arena keep at its top, where `malloc_trim` does not reach
    /// (it trims only the main arena's top): a 10,000-row request's body and feature batch. glibc's default, 128 KiB,
    /// hands that back at every `free` and faults it in again for the next request.
    public static let keptAtTheTop: Int32 = 4 * 1024 * 1024

    /// How often `reuseWhileBusy` hands the arenas' free pages back to the system.
    public static let trimInterval = DispatchTimeInterval.seconds(1)

    /// Fixes glibc's `mmap` threshold at `threshold`; call once at start, before the first large allocation.
    /// Returns whether the allocator took the setting.
    @discardableResult
    public static func returnToTheSystemWhenFreed() -> Bool {
        set(mmapThreshold, to: threshold)
    }

    /// Fixes glibc's `mmap` threshold at `reusedUpTo` and lets each arena keep `keptAtTheTop` free at its top, then
    /// hands back every other free page every `trimInterval` on a utility thread. Call once at start. Returns whether
    /// the allocator took the settings.
    @discardableResult
    public static func reuseWhileBusy() -> Bool {
        guard set(mmapThreshold, to: reusedUpTo), set(trimThreshold, to: keptAtTheTop), mallocTrim != nil else { return false }
        // One trimming loop for the process, however often this is called.
        if !trimming.exchange(true, ordering: .relaxed) { returnFreePagesEveryInterval() }
        return true
    }

    private static let trimming = Atomic(false)

    private static func returnFreePagesEveryInterval() {
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + trimInterval) {
            returnFreePages()
            returnFreePagesEveryInterval()
        }
    }

    /// Hands every whole free page the arenas hold back to the system: what `reuseWhileBusy` does each second.
    /// Returns whether any memory was released.
    @discardableResult
    public static func returnFreePages() -> Bool {
        mallocTrim.map { $0(0) == 1 } ?? false
    }

    #if canImport(Glibc)
    private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    private typealias MallocTrim = @convention(c) (Int) -> Int32
    private static let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD in <malloc.h>
    private static let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
    private static let mallocTrim: MallocTrim? = dlsym(nil, "malloc_trim").map { unsafeBitCast($0, to: MallocTrim.self) }

    private static func set(_ parameter: Int32, to value: Int32) -> Bool {
        guard let symbol = dlsym(nil, "mallopt") else { return false }
        return unsafeBitCast(symbol, to: Mallopt.self)(parameter, value) == 1
    }
    #else
    private static let mmapThreshold: Int32 = 0
    private static let trimThreshold: Int32 = 0
    private static let mallocTrim: ((Int) -> Int32)? = nil
    private static func set(_ parameter: Int32, to value: Int32) -> Bool { false }
    #endif
}
