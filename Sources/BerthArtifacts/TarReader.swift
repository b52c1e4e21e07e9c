#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the regular files of a tar archive in memory, refusing anything that could escape the model folder.
///
/// Understands ustar, pax extended headers (`path`, `size`) and GNU long names — what `tar` on Linux and macOS
/// writes. Symbolic and hard links, device files, FIFOs, absolute paths and `..` components are refused
/// outright rather than skipped: a model archive has no reason to contain them, and silently dropping an entry
/// would hide a broken or hostile artifact. Nothing is ever written to disk.
public enum TarReader {
    public struct Entry: Sendable, Equatable {
        public let path: String
        public let bytes: [UInt8]
    }

    public enum Failure: Error, Equatable {
        case corrupt(String)
        case unsafe(entry: String, reason: String)
        case tooManyEntries
    }

    static let blockSize = 512

    /// True when the block at the start of `bytes` carries the ustar magic (`ustar\0` or GNU's `ustar  `).
    public static func looksLikeTar(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= blockSize else { return false }
        return Array(bytes[257..<262]) == Array("ustar".utf8)
    }

    /// The archive's regular files in archive order. Folders are skipped; everything else unsafe is refused. A path
    /// the archive holds twice (`tar -rf` appends a file's new version) is the last one, as `tar -x` leaves it.
    ///
    /// The largest file keeps the archive's own storage, its bytes moved to the front in place, so the model in a
    /// `model.tar.gz` (nearly all of it) is not copied into fresh memory whose every page then faults in; the
    /// others are copied out first. Pass the archive as its last use (`consume`), or its storage is copied once
    /// instead. The storage is kept only when little of it is not that file (`keepsStorage`): a tiny file at the
    /// head of gigabytes of padding, or of other files, would otherwise hold all of it for the model's lifetime,
    /// out of sight of the artifact limits, which count the files.
    public static func entries(of archive: consuming [UInt8], maxEntries: Int) throws(Failure) -> [Entry] {
        let files = try regularFiles(of: archive, maxEntries: maxEntries)
        guard let largest = files.indices.max(by: { files[$0].range.count < files[$1].range.count }) else { return [] }
        let kept = files[largest].range
        let keeps = keepsStorage(capacity: archive.capacity, forFileOf: kept.count)
        // Every other file is copied out before the largest moves over the front of the storage.
        var copies = files.enumerated().map { index, file in keeps && index == largest ? [] : Array(archive[file.range]) }
        if keeps {
            archive.withUnsafeMutableBytes { bytes in
                _ = memmove(bytes.baseAddress!, bytes.baseAddress! + kept.lowerBound, kept.count)
            }
            archive.removeSubrange(kept.count...)
            copies[largest] = consume archive
        }
        return zip(files, copies).map { file, bytes in Entry(path: file.path, bytes: bytes) }
    }

    /// Whether a file of `count` bytes may keep storage of `capacity` bytes: when the rest is at most an eighth of
    /// the file, or 64 KiB (tar's headers and end-of-archive blocks).
    static func keepsStorage(capacity: Int, forFileOf count: Int) -> Bool {
        capacity - count <= max(count / 8, 1 << 16)
    }

    /// The paths and byte ranges of the archive's regular files, every header checked.
    private static func regularFiles(of archive: [UInt8], maxEntries: Int) throws(Failure) -> [(path: String, range: Range<Int>)] {
        var entries = [(path: String, range: Range<Int>)]()
        var offset = 0
        var pendingLongName: String?
        var pendingPax = [String: String]()
        var globalPax = [String: String]()
        var headersSeen = 0
        while offset + blockSize <= archive.count {
            let header = archive[offset..<offset + blockSize]
            if header.allSatisfy({ $0 == 0 }) { return lastOfEachPath(entries) }
            headersSeen += 1
            guard headersSeen <= maxEntries * 3 else { throw .tooManyEntries }
            try verifyChecksum(header, offset: offset)
            let typeFlag = header[header.startIndex + 156]
            let declaredSize = try parseNumber(header[(header.startIndex + 124)..<(header.startIndex + 136)], field: "size")
            let overrides = pendingPax.merging(globalPax) { local, _ in local }
            let size = try overrides["size"].map { text throws(Failure) -> Int in
                guard let value = Int(text), value >= 0 else { throw .corrupt("invalid pax size '\(text)'") }
                return value
            } ?? declaredSize
            let dataStart = offset + blockSize
            guard size <= archive.count - dataStart else {
                throw .corrupt("entry at byte \(offset) declares \(size) bytes but the archive ends first")
            }
            let data = archive[dataStart..<dataStart + size]
            offset = dataStart + (size + blockSize - 1) / blockSize * blockSize
            let name = overrides["path"] ?? pendingLongName ?? headerName(header)

            switch typeFlag {
            case UInt8(ascii: "x"):
                pendingPax = try parsePax(data)
                continue
            case UInt8(ascii: "g"):
                globalPax.merge(try parsePax(data)) { _, new in new }
                continue
            case UInt8(ascii: "L"):
                pendingLongName = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
                continue
            default:
                pendingPax = [:]
                pendingLongName = nil
            }

            switch typeFlag {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                let path = try safePath(name)
                guard entries.count < maxEntries else { throw .tooManyEntries }
                entries.append((path, data.indices))
            case UInt8(ascii: "5"):
                _ = try safePath(name)
            case UInt8(ascii: "1"), UInt8(ascii: "2"), UInt8(ascii: "K"):
                throw .unsafe(entry: name, reason: "is a link")
            case UInt8(ascii: "3"), UInt8(ascii: "4"):
                throw .unsafe(entry: name, reason: "is a device file")
            case UInt8(ascii: "6"):
                throw .unsafe(entry: name, reason: "is a FIFO")
            default:
                throw .unsafe(entry: name, reason: "has the unsupported tar type '\(printable(typeFlag))'")
            }
        }
        guard offset >= archive.count || archive[offset...].allSatisfy({ $0 == 0 }) else {
            throw .corrupt("the archive ends in the middle of a header (truncated file?)")
        }
        return lastOfEachPath(entries)
    }

    /// Each path's last entry, in archive order.
    private static func lastOfEachPath(_ entries: [(path: String, range: Range<Int>)]) -> [(path: String, range: Range<Int>)] {
        var last = [String: Int]()
        for (index, entry) in entries.enumerated() { last[entry.path] = index }
        guard last.count < entries.count else { return entries }
        return entries.indices.filter { last[entries[$0].path] == $0 }.map { entries[$0] }
    }

    /// Normalises `./a/b` to `a/b` and refuses absolute paths and `..`.
    static func safePath(_ name: String) throws(Failure) -> String {
        guard !name.isEmpty else { throw .corrupt("an entry has an empty name") }
        guard !name.hasPrefix("/") else { throw .unsafe(entry: name, reason: "has an absolute path") }
        guard !name.utf8.contains(0) else { throw .unsafe(entry: name, reason: "has a NUL byte in its name") }
        let components = name.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        guard !components.contains("..") else { throw .unsafe(entry: name, reason: "climbs out of the archive with '..'") }
        return components.joined(separator: "/")
    }

    private static func headerName(_ header: ArraySlice<UInt8>) -> String {
        let base = header.startIndex
        let name = cString(header[base..<(base + 100)])
        let magic = Array(header[(base + 257)..<(base + 263)])
        // ustar (POSIX) keeps a 155-byte prefix; GNU's "ustar  " uses those bytes for other fields.
        if magic == Array("ustar\0".utf8) {
            let prefix = cString(header[(base + 345)..<(base + 500)])
            if !prefix.isEmpty { return prefix + "/" + name }
        }
        return name
    }

    private static func cString(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    private static func verifyChecksum(_ header: ArraySlice<UInt8>, offset: Int) throws(Failure) {
        let base = header.startIndex
        let stored = try parseNumber(header[(base + 148)..<(base + 156)], field: "checksum")
        var sum = 0
        for (index, byte) in header.enumerated() {
            sum += (148..<156).contains(index) ? Int(UInt8(ascii: " ")) : Int(byte)
        }
        guard sum == stored else { throw .corrupt("bad header checksum at byte \(offset) (not a tar archive, or damaged)") }
    }

    /// Octal text (NUL/space padded) or GNU base-256 for large values.
    private static func parseNumber(_ field: ArraySlice<UInt8>, field name: String) throws(Failure) -> Int {
        if let first = field.first, first & 0x80 != 0 {
            guard first == 0x80 else { throw .corrupt("negative \(name) field") }
            var value = 0
            for byte in field.dropFirst() {
                guard value < (Int.max >> 8) else { throw .corrupt("\(name) field too large") }
                value = value << 8 | Int(byte)
            }
            return value
        }
        var value = 0
        var sawDigit = false
        for byte in field {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard value < (Int.max >> 3) else { throw .corrupt("\(name) field too large") }
                value = value << 3 | Int(byte - UInt8(ascii: "0"))
                sawDigit = true
            case UInt8(ascii: " ") where !sawDigit: continue
            case 0, UInt8(ascii: " "): return value
            default: throw .corrupt("invalid \(name) field")
            }
        }
        return value
    }

    /// pax records: `"<length> <key>=<value>\n"` repeated.
    private static func parsePax(_ data: ArraySlice<UInt8>) throws(Failure) -> [String: String] {
        var records = [String: String]()
        var index = data.startIndex
        while index < data.endIndex {
            guard let space = data[index...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: data[index..<space], as: UTF8.self)),
                  length > space - index + 1, length <= data.endIndex - index else {
                throw .corrupt("malformed pax header")
            }
            let record = data[(space + 1)..<(index + length)]
            guard record.last == UInt8(ascii: "\n"), let equals = record.firstIndex(of: UInt8(ascii: "=")) else {
                throw .corrupt("malformed pax record")
            }
            let key = String(decoding: record[record.startIndex..<equals], as: UTF8.self)
            records[key] = String(decoding: record[(equals + 1)..<(record.endIndex - 1)], as: UTF8.self)
            index += length
        }
        return records
    }

    private static func printable(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }
}
