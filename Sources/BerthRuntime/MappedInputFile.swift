#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// An input file of `berth predict`, mapped read-only: a multi-gigabyte batch input costs address space, not
/// memory, and is never copied. The pages a job is done with are released as it goes (`release(before:)`): a mapped
/// page once read counts in the process's RSS until it is unmapped, so without that a 1 GB file peaked at 988 MiB.
///
/// Each mapping is listed while it lives (`path(containing:)`): when another program truncates a file while it is
/// read, the first touch of a page past its new end raises SIGBUS, and `ShrunkInputHandler` names the file from
/// the faulting address.
final class MappedInputFile {
    let bytes: UnsafeBufferPointer<UInt8>
    /// The bytes before this offset have been released.
    private var released = 0

    /// The address ranges of the files mapped now, with their paths.
    private static let mapped = Mutex([(addresses: Range<UInt>, path: String)]())

    /// The input file whose mapping holds `address`, if any.
    static func path(containing address: UInt) -> String? {
        mapped.withLock { files in files.first { $0.addresses.contains(address) }?.path }
    }

    init(path: String) throws(BatchFileFailure) {
        // Non-blocking, so that a FIFO cannot hold the job waiting for a writer; only regular files are read.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw BatchFileFailure(reason: "cannot open it: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw BatchFileFailure(reason: "it is not a regular file (a FIFO, device or socket): berth predict reads files")
        }
        let end = lseek(descriptor, 0, SEEK_END)
        guard end >= 0 else { throw BatchFileFailure(reason: "cannot read its size: \(String(cString: strerror(errno)))") }
        let size = Int(end)
        guard size > 0 else {
            bytes = UnsafeBufferPointer(start: nil, count: 0)
            return
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else {
            throw BatchFileFailure(reason: "cannot map it: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self), count: size)
        let start = UInt(bitPattern: mapped)
        Self.mapped.withLock { $0.append((start..<start + UInt(size), path)) }
    }

    /// Drops the whole pages before `offset` from the process (the file is only read, so nothing is lost; reading
    /// them again would fault them back in from the page cache).
    func release(before offset: Int) {
        guard let start = bytes.baseAddress else { return }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let end = min(offset, bytes.count) / pageSize * pageSize
        guard end > released else { return }
        madvise(UnsafeMutableRawPointer(mutating: start + released), end - released, Int32(MADV_DONTNEED))
        released = end
    }

    deinit {
        guard let start = bytes.baseAddress else { return }
        let address = UInt(bitPattern: start)
        Self.mapped.withLock { $0.removeAll { $0.addresses.lowerBound == address } }
        munmap(UnsafeMutableRawPointer(mutating: start), bytes.count)
    }
}
