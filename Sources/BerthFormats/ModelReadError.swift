/// Why a model file could not be turned into the model IR. Messages name the file and the way out.
public struct ModelReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }

    static func pickle(_ file: String) -> ModelReadError {
        ModelReadError(file: file, reason: """
            is a pickled Python Booster (what SageMaker XGBoost 0.90-1 … 1.2-2 saved). Berth never unpickles \
            (it would run arbitrary code). Re-save it once with xgboost: `bst = pickle.load(open(path, "rb")); \
            bst.save_model("xgboost-model.json")` (or `.ubj`), and package that file instead
            """)
    }

    static func unknownFormat(_ file: String, prefix: [UInt8]) -> ModelReadError {
        ModelReadError(file: file, reason: """
            is not a model format Berth reads (first bytes: \(leadingBytes(prefix))). Supported: XGBoost JSON, UBJSON and legacy \
            binary models (save_model) and ONNX models (model.onnx), optionally gzipped or inside model.tar.gz
            """)
    }

    /// The first eight bytes in hex (`62 69 6e 66 …`): what an error shows of a file no reader recognised.
    public static func leadingBytes(_ bytes: [UInt8]) -> String {
        bytes.prefix(8).map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined(separator: " ")
    }
}
