import CBerthKernels
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The threads `RowParallelism` hands a split call's ranges to, kept for the life of the process.
///
/// Waking a sleeping thread costs tens of microseconds (`DispatchQueue.concurrentPerform` took 75 µs for two halves
/// of 55 µs of work on the 2-core AMD EPYC), which a split call of a few hundred microseconds cannot afford. So a
/// worker spins for `spinNanoseconds` after its last range before it sleeps, as onnxruntime's pool does: calls that
/// follow each other closely (a batch transform's, a benchmark's) find it awake. The caller runs ranges too, claiming
/// them by number like the workers, so a worker that is slow to wake delays nothing: the caller takes its ranges.
///
/// One call uses the workers at a time; a call that finds them taken (another request's, or a call nested in a
/// range) gets `false` from `run` and splits on Dispatch's threads instead. There are at most one fewer workers than
/// cores (the caller is the last), and a worker stops spinning as soon as every core has a call of its own.
final class RowWorkers: Sendable {
    /// The process's workers, started as calls ask for them.
    static let shared = RowWorkers()

    /// How long a worker spins, waiting for the next call, before it sleeps.
    static let spinNanoseconds: UInt64 = 100_000

    /// Bumped for every call; a worker watches it for work.
    private let generation = Atomic<Int>(0)
    /// The call now running, or the last one.
    private let current = Mutex<SplitCall?>(nil)
    /// Whether a caller holds the workers.
    private let taken = Atomic<Bool>(false)
    /// Workers asleep (or about to be) on `wake`.
    private let sleepers = Atomic<Int>(0)
    private let wake = DispatchSemaphore(value: 0)
    /// Workers started, and whether starting another failed (then the calls make do with those there are).
    private let startedWorkers = Mutex<(count: Int, failed: Bool)>((0, false))
    /// The most workers there will be: one fewer than the cores.
    private let maximumWorkers = RowParallelism.onlineProcessorCount - 1

    /// Runs `body` on `chunkCount` ranges of `perChunk` rows covering `0..<rowCount`, on the caller's thread and up
    /// to `workerCount` workers (fewer than `chunkCount`: each claims ranges until none is left), and returns when
    /// all have run; false, with nothing run, when another call holds the workers.
    func run(rowCount: Int, chunkCount: Int, perChunk: Int, workerCount: Int, _ body: @Sendable (Range<Int>) -> Void) -> Bool {
        precondition(chunkCount >= 1, "a split call has at least one range")
        guard taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { taken.store(false, ordering: .releasing) }
        startWorkers(count: workerCount)
        withoutActuallyEscaping(body) { body in
            withUnsafePointer(to: body) { pointer in
                let call = SplitCall(rowCount: rowCount, chunkCount: chunkCount, perChunk: perChunk, body: UnsafeRawPointer(pointer))
                current.withLock { $0 = call }
                generation.add(1, ordering: .sequentiallyConsistent)
                let asleep = sleepers.load(ordering: .sequentiallyConsistent)
                for _ in 0..<min(asleep, workerCount) { wake.signal() }
                call.runRanges()
                call.waitForRanges()
                // The call's body is gone once this returns; a worker that still holds the call claims nothing more.
                current.withLock { $0 = nil }
            }
        }
        return true
    }

    private func startWorkers(count: Int) {
        startedWorkers.withLock { started in
            while started.count < min(count, maximumWorkers), !started.failed {
                #if canImport(Darwin)
                var thread: pthread_t? = nil
                #else
                var thread = pthread_t()
                #endif
                let context = Unmanaged.passRetained(self).toOpaque()
                guard pthread_create(&thread, nil, { context in
                    #if canImport(Darwin)
                    let workers = Unmanaged<RowWorkers>.fromOpaque(context)
                    #else
                    let workers = Unmanaged<RowWorkers>.fromOpaque(context!)
                    #endif
                    workers.takeUnretainedValue().work()
                }, context) == 0 else {
                    // Out of threads: the calls go on with the workers there are (the caller runs what they do not).
                    Unmanaged<RowWorkers>.fromOpaque(context).release()
                    started.failed = true
                    return
                }
                #if canImport(Darwin)
                pthread_detach(thread!)
                #else
                pthread_detach(thread)
                #endif
                started.count += 1
            }
        }
    }

    private func work() -> Never {
        // Never a generation: a worker started for a call that is already posted joins it at once.
        var seen = -1
        while true {
            seen = nextGeneration(after: seen)
            if let call = current.withLock({ $0 }) { call.runRanges() }
        }
    }

    /// Spins `spinNanoseconds` for a new call (less once every core has a call of its own, when no call will split
    /// and the spin would only take a core from one), then sleeps until one is posted.
    private func nextGeneration(after seen: Int) -> Int {
        let deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
        var spins = 0
        while true {
            let latest = generation.load(ordering: .acquiring)
            if latest != seen { return latest }
            spins += 1
            if spins & 63 == 0 {
                if DispatchTime.now().uptimeNanoseconds > deadline { break }
                // A split holding every core is one call here: the calls inside its ranges are its own, and the
                // worker that has finished its range should be awake for the split that follows.
                let calls = RowParallelism.callsRunning.load(ordering: .relaxed) - RowParallelism.heldCores.load(ordering: .relaxed)
                if calls > maximumWorkers { break }
            }
            berth_spin_pause()
        }
        while true {
            // Counted before the check, which `run` makes the other way round: one of the two sees the other.
            sleepers.add(1, ordering: .sequentiallyConsistent)
            let latest = generation.load(ordering: .sequentiallyConsistent)
            if latest == seen { wake.wait() }
            sleepers.subtract(1, ordering: .sequentiallyConsistent)
            let now = generation.load(ordering: .acquiring)
            if now != seen { return now }
            // Woken by a signal meant for a worker that found its call without sleeping: sleep again.
        }
    }
}

/// One call split by `RowWorkers`: its ranges are claimed by number, by the caller and the workers alike.
private final class SplitCall: Sendable {
    let rowCount: Int
    let chunkCount: Int
    let perChunk: Int
    /// The caller's `@Sendable (Range<Int>) -> Void`, alive until every range has run; read only by whoever claimed a
    /// range, so a worker that comes late never touches it.
    nonisolated(unsafe) let body: UnsafeRawPointer
    let nextChunk = Atomic<Int>(0)
    let finishedChunks = Atomic<Int>(0)

    init(rowCount: Int, chunkCount: Int, perChunk: Int, body: UnsafeRawPointer) {
        self.rowCount = rowCount
        self.chunkCount = chunkCount
        self.perChunk = perChunk
        self.body = body
    }

    /// Claims and runs ranges until none is left.
    func runRanges() {
        while true {
            let chunk = nextChunk.add(1, ordering: .relaxed).oldValue
            guard chunk < chunkCount else { return }
            let start = chunk * perChunk
            let end = min(start + perChunk, rowCount)
            if start < end { Self.invoke(body, start..<end) }
            finishedChunks.add(1, ordering: .releasing)
        }
    }

    /// Waits for the ranges other threads claimed: spinning, since they are running, then yielding the core in case
    /// their thread was preempted.
    func waitForRanges() {
        var spins = 0
        while finishedChunks.load(ordering: .acquiring) < chunkCount {
            spins += 1
            if spins < 1 << 12 { berth_spin_pause() } else { sched_yield() }
        }
    }

    /// A call of its own, so that the copy of the closure it reads is released before the range counts as finished.
    @inline(never)
    private static func invoke(_ body: UnsafeRawPointer, _ range: Range<Int>) {
        body.assumingMemoryBound(to: (@Sendable (Range<Int>) -> Void).self).pointee(range)
    }
}
