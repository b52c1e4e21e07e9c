#if canImport(Glibc)
import Glibc
#endif

/// What `berth predict` does when another program truncates an input while the job reads it. The inputs are
/// mapped (`MappedInputFile`), and touching a page past a mapped file's new end raises SIGBUS, which would kill the
/// job mid-file with its `.partial` files left behind and no word of why. For a fault inside a mapped input, this
/// handler removes the `.partial` files, names the file that shrank and exits with `exitStatus` (EX_IOERR); any
/// other SIGBUS keeps its default action.
public enum ShrunkInputHandler {
    /// sysexits.h's EX_IOERR: an input/output error.
    public static let exitStatus: Int32 = 74

    /// Installs the handler for the rest of the process.
    public static func install() {
        #if canImport(Glibc)
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = { signalNumber, information, _ in
            let address = information.map { UInt(bitPattern: $0.pointee._sifields._sigfault.si_addr) } ?? 0
            guard let path = MappedInputFile.path(containing: address) else {
                // Not a mapped input: back to the default action, which the access, made again on return, takes.
                signal(signalNumber, SIG_DFL)
                return
            }
            let removed = PendingOutputFile.removeAllInProgress()
            let what = removed.isEmpty ? "" : "; removed \(removed.joined(separator: ", "))"
            var message = Array("""

                berth predict: \(path) became shorter while it was being read (another program truncated or rewrote \
                it): the job stopped\(what)

                """.utf8)
            _ = message.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            _exit(ShrunkInputHandler.exitStatus)
        }
        action.sa_flags = SA_SIGINFO
        sigemptyset(&action.sa_mask)
        sigaction(SIGBUS, &action, nil)
        #endif
    }
}
