#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few read-only file-system calls artifact loading needs, over POSIX — also what the multi-model root and
/// `berth predict` ask of paths (`kind`, `realPath`). Nothing here can write.
public enum FileSystem {
    public enum Kind {
        case file(size: Int)
        case directory
        case symbolicLink
        case other
    }

    /// What is at `path`, the link itself when `followLinks` is false; nil when nothing is (or it cannot be read).
    public static func kind(of path: String, followLinks: Bool) -> Kind? {
        var info = stat()
        let status = followLinks ? stat(path, &info) : lstat(path, &info)
        guard status == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file(size: Int(info.st_size))
        case S_IFDIR: return .directory
        case S_IFLNK: return .symbolicLink
        default: return .other
        }
    }

    /// The entries of a directory (without `.` and `..`), sorted so that loading order is reproducible.
    static func list(_ directory: String) throws(ArtifactError) -> [String] {
        guard let handle = opendir(directory) else {
            throw .unreadable(path: directory, reason: lastError())
        }
        defer { closedir(handle) }
        var names = [String]()
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The whole file, refusing files larger than `limit` bytes.
    ///
    /// Read straight into an array of the size `fstat` gives (no chunk copied after, no page touched twice), then
    /// in chunks for whatever the file gained since.
    static func read(_ path: String, limit: Int) throws(ArtifactError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: lastError()) }
        defer { close(descriptor) }
        var info = stat()
        let size = fstat(descriptor, &info) == 0 && info.st_mode & S_IFMT == S_IFREG ? Int(info.st_size) : 0
        guard size <= limit else { throw .inflationLimitExceeded(path: path, limit: limit) }
        var failure: ArtifactError?
        var bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            while initialized < size {
                let count = Glibc.read(descriptor, buffer.baseAddress! + initialized, size - initialized)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = .unreadable(path: path, reason: lastError())
                    return
                }
                if count == 0 { return }  // the file shrank since fstat
                initialized += count
            }
        }
        if let failure { throw failure }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: lastError())
            }
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else { throw .inflationLimitExceeded(path: path, limit: limit) }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// The canonical absolute path, resolving every symbolic link.
    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
