/// Why a model file could not be turned into the model IR. Messages name the file and the way out.
public struct ModelReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }

    static func unknownFormat(_ file: String, prefix: [UInt8]) -> ModelReadError {
        if let compressor = compressor(of: prefix) {
            return ModelReadError(file: file, reason: """
                is compressed with \(compressor) (joblib's compress=("\(compressor)", …)?). Berth inflates gzip and zlib only: \
                dump it again with compress=3 or compress=("gzip", 3), or uncompressed
                """)
        }
        return ModelReadError(file: file, reason: """
            is not a model format Berth reads (first bytes: \(leadingBytes(prefix))). Supported: XGBoost JSON, UBJSON and legacy \
            binary models (save_model), LightGBM text models (model.txt), CatBoost models (.cbm or JSON), pickled or \
            joblib-dumped XGBoost and LightGBM models, and ONNX models (model.onnx), optionally gzipped or inside \
            model.tar.gz
            """)
    }

    /// The compressor whose magic bytes start `prefix`, among those joblib offers besides zlib and gzip.
    private static func compressor(of prefix: [UInt8]) -> String? {
        let magics: [(String, [UInt8])] = [
            ("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]), ("lzma", [0x5D, 0x00, 0x00]), ("bz2", Array("BZh".utf8)),
            ("lz4", [0x04, 0x22, 0x4D, 0x18]),
        ]
        return magics.first { prefix.starts(with: $0.1) }?.0
    }

    /// The first eight bytes in hex (`62 69 6e 66 …`): what an error shows of a file no reader recognised.
    public static func leadingBytes(_ bytes: [UInt8]) -> String {
        bytes.prefix(8).map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined(separator: " ")
    }
}
