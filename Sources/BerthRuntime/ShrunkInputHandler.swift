#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// What `berth predict` does when another program truncates an input while the job reads it. The inputs are
/// mapped (`MappedInputFile`), and touching a page past a mapped file's new end raises SIGBUS, which would kill the
/// job mid-file with its `.partial` files left behind and no word of why. For a fault inside a mapped input, this
/// handler removes the `.partial` files, names the file that shrank and exits with `exitStatus` (EX_IOERR). Any
/// other SIGBUS — a fault elsewhere, or one sent with `kill` — goes to the handler installed before (the Swift
/// runtime's backtracer, or the default action), as if this one were not there.
///
/// The handler allocates and takes two locks (the mapped files', the `.partial` files'), which a signal handler may
/// not do in general. This one runs only for a synchronous fault on a thread that was reading mapped input bytes,
/// which holds neither lock nor any of the allocator's, and it never returns.
public enum ShrunkInputHandler {
    /// sysexits.h's EX_IOERR: an input/output error.
    public static let exitStatus: Int32 = 74

    #if canImport(Glibc)
    /// The SIGBUS action before `install`, which every SIGBUS that is not a shrunk input goes to.
    nonisolated(unsafe) private static var previous = sigaction()
    #endif
    /// Set by the first thread to fault in a shrunk input: any other waits for its exit instead of writing twice.
    private static let stopping = Atomic(false)
    private static let installed = Atomic(false)

    /// Installs the handler for the rest of the process (once, however often it is called).
    public static func install() {
        #if canImport(Glibc)
        guard !installed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = { signalNumber, information, _ in
            // A kernel-raised fault (si_code > 0) carries the address; a signal sent by a process carries its pid there.
            let fault = information.flatMap { $0.pointee.si_code > 0 ? $0.pointee._sifields._sigfault.si_addr : nil }
            guard let address = fault.map({ UInt(bitPattern: $0) }), let path = MappedInputFile.path(containing: address) else {
                // Not a shrunk input: the earlier action takes over — for the fault when the access is made again
                // on return, for a sent signal when it is raised again.
                sigaction(signalNumber, &ShrunkInputHandler.previous, nil)
                if fault == nil { raise(signalNumber) }
                return
            }
            guard !ShrunkInputHandler.stopping.exchange(true, ordering: .acquiringAndReleasing) else {
                while true { pause() }
            }
            let what = PendingOutputFile.removeAllInProgressNamingThem()
            var message = Array("""

                berth predict: \(path) became shorter while it was being read (another program truncated or rewrote \
                it): the job stopped\(what)

                """.utf8)
            _ = message.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            _exit(ShrunkInputHandler.exitStatus)
        }
        action.sa_flags = SA_SIGINFO
        sigemptyset(&action.sa_mask)
        sigaction(SIGBUS, &action, &previous)
        #endif
    }
}
