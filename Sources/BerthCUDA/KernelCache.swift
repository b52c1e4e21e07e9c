#if canImport(Glibc)
import Glibc
#endif

/// Compiled kernels kept on local disk, so a restarted container skips NVRTC (hundreds of milliseconds per kernel).
///
/// Files live in `$TMPDIR/berth-ptx` (or `/tmp/berth-ptx`), never under `/opt/ml`, which SageMaker may mount
/// read-only and which belongs to the model. A file's name carries a hash of everything that shapes the image —
/// the source, the NVRTC version and the compiler options — so a stale entry is never read; entries are written
/// to a temporary name and renamed, so a reader never sees half a file.
public struct KernelCache: Sendable {
    public let directory: String

    /// The cache in `TMPDIR` (from `environment`), or nil when `TMPDIR` points under `/opt/ml`.
    public init?(environment: [String: String]) {
        let base = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let directory = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/berth-ptx"
        guard !(directory == "/opt/ml" || directory.hasPrefix("/opt/ml/")) else { return nil }
        self.directory = directory
    }

    /// The compiled image of `source` for `target`, from the cache or from `nvrtc` (and then stored; a failed
    /// store only means the next start compiles again).
    public func image(for source: CUDAKernelSource, target: KernelTarget, nvrtc: NVRTC) throws(CUDAUnavailable) -> (image: [UInt8], cached: Bool) {
        let path = self.path(for: source, target: target, nvrtcVersion: nvrtc.version)
        if let cached = Self.read(path), target.accepts(cached) {
            return (cached, true)
        }
        let image = try nvrtc.compile(source, target: target)
        store(image, at: path)
        return (image, false)
    }

    func path(for source: CUDAKernelSource, target: KernelTarget, nvrtcVersion: (major: Int, minor: Int)) -> String {
        var hash = FNV1a()
        hash.add(source.code)
        hash.add("nvrtc \(nvrtcVersion.major).\(nvrtcVersion.minor)")
        hash.add(NVRTC.options(target: target).joined(separator: " "))
        return "\(directory)/\(source.name)-\(target.kind.rawValue)-\(target.architecture)-\(String(hash.value, radix: 16)).\(target.kind.rawValue)"
    }

    private func store(_ image: [UInt8], at path: String) {
        guard mkdir(directory, 0o700) == 0 || errno == EEXIST else { return }
        let temporary = "\(path).\(getpid()).tmp"
        guard let file = fopen(temporary, "wx") else { return }
        let written = fwrite(image, 1, image.count, file)
        let closed = fclose(file) == 0
        if written == image.count && closed && rename(temporary, path) == 0 { return }
        unlink(temporary)
    }

    private static func read(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }
}

/// 64-bit FNV-1a: a stable hash for cache file names (Swift's `Hasher` is seeded per process).
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) {
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value &*= 0x100_0000_01b3
        }
        value ^= 0xff
        value &*= 0x100_0000_01b3
    }
}
