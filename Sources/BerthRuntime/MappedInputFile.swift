#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An input file of `berth predict`, mapped read-only: a multi-gigabyte batch input costs address space, not
/// memory, and is never copied.
final class MappedInputFile {
    let bytes: UnsafeBufferPointer<UInt8>

    init(path: String) throws(BatchFileFailure) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw BatchFileFailure(reason: "cannot open it: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
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
    }

    deinit {
        if let start = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: start), bytes.count) }
    }
}
