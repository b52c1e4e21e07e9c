#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// An output file of `berth predict`, written under a temporary name and renamed into place only when the whole
/// input succeeded, so a failed or interrupted file never leaves a partial `.out`.
///
/// The temporary file is always a new one: whatever an earlier run left at its name is removed first, and it is
/// created exclusively without following links, so a link planted at `<out>.partial` cannot redirect the answers
/// into another file. (Folders on the way are followed, links included, as `berth predict` follows linked input
/// folders.)
public final class PendingOutputFile {
    let path: String
    private let temporaryPath: String
    private var descriptor: Int32

    /// The temporary files being written now, which an interrupted `berth predict` removes before it exits
    /// (`removeAllInProgress`).
    private static let inProgress = Mutex(Set<String>())

    /// Removes every temporary file still being written and returns their paths: what SIGINT or SIGTERM does to a
    /// job, so that no `.partial` outlives it.
    private static func removeAllInProgress() -> [String] {
        inProgress.withLock { paths in
            for path in paths { unlink(path) }
            defer { paths.removeAll() }
            return paths.sorted()
        }
    }

    /// `removeAllInProgress`, told as the end of a stopping job's last line: "; removed a.out.partial, …", or
    /// nothing when no file was being written. Every way `berth predict` stops early (an interrupt, an input that
    /// shrank) says it the same way.
    public static func removeAllInProgressNamingThem() -> String {
        let removed = removeAllInProgress()
        return removed.isEmpty ? "" : "; removed \(removed.joined(separator: ", "))"
    }

    init(path: String) throws(BatchFileFailure) {
        self.path = path
        temporaryPath = path + ".partial"
        unlink(temporaryPath)
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw BatchFileFailure(reason: "cannot create \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        _ = Self.inProgress.withLock { $0.insert(temporaryPath) }
    }

    func append(_ bytes: [UInt8]) throws(BatchFileFailure) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            guard written > 0 else {
                if written < 0 && errno == EINTR { continue }
                throw BatchFileFailure(reason: "cannot write \(temporaryPath): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// Closes the file and moves it to `path`.
    func commit() throws(BatchFileFailure) {
        let closed = close(descriptor)
        descriptor = -1
        _ = Self.inProgress.withLock { $0.remove(temporaryPath) }
        guard closed == 0, rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw BatchFileFailure(reason: "cannot write \(path): \(reason)")
        }
    }

    deinit {
        if descriptor >= 0 {
            close(descriptor)
            _ = Self.inProgress.withLock { $0.remove(temporaryPath) }
            unlink(temporaryPath)
        }
    }
}
