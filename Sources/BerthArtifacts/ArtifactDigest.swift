import Crypto

/// The SHA-256 that names a model artifact's content, the same however SageMaker delivered it: one file, a
/// folder, a `model.tar.gz` unpacked or not, gzipped files inflated or not (docs/observability.md, provenance).
///
/// - An artifact of one file: that file's SHA-256, what `sha256sum xgboost-model` prints for it once unpacked.
/// - Several files: the SHA-256 of the lines `sha256sum` prints for them (`<hex>  <path>\n`, paths as unpacked,
///   in byte order), so `find . -type f ! -path '*/.*' | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum |
///   sha256sum` in the unpacked folder gives it.
///
/// Every file Berth reads counts (dot-files are skipped, as they are for loading): a changed README changes the
/// digest as surely as a changed tree.
public enum ArtifactDigest {
    public static func sha256(of files: [ModelFile]) -> String {
        if files.count == 1 { return hex(SHA256.hash(data: files[0].bytes)) }
        var manifest = [UInt8]()
        for file in files.sorted(by: { $0.extractedPath.utf8.lexicographicallyPrecedes($1.extractedPath.utf8) }) {
            manifest += Array(hex(SHA256.hash(data: file.bytes)).utf8) + Array("  ".utf8) + Array(file.extractedPath.utf8) + [UInt8(ascii: "\n")]
        }
        return hex(SHA256.hash(data: manifest))
    }

    /// Whether `text` is a SHA-256 as hex (64 digits, either case).
    public static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0 | 0x20) }
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
