#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An output file of `berth predict`, written under a temporary name and renamed into place only when the whole
/// input succeeded, so a failed or interrupted file never leaves a partial `.out`.
final class PendingOutputFile {
    let path: String
    private let temporaryPath: String
    private var descriptor: Int32

    init(path: String) throws(BatchFileFailure) {
        self.path = path
        temporaryPath = path + ".partial"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw BatchFileFailure(reason: "cannot create \(temporaryPath): \(String(cString: strerror(errno)))")
        }
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
        guard closed == 0, rename(temporaryPath, path) == 0 else {
            throw BatchFileFailure(reason: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        if descriptor >= 0 {
            close(descriptor)
            unlink(temporaryPath)
        }
    }
}
