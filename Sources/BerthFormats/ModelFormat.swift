/// The model file formats Berth recognises, told apart by their first bytes — never by file name
/// (docs/model-formats.md §1: SageMaker's `xgboost-model` has no extension whatever its format).
public enum ModelFormat: String, Sendable, Equatable, CustomStringConvertible {
    case xgboostJSON = "XGBoost JSON"
    case xgboostUBJSON = "XGBoost UBJSON"
    case xgboostLegacyBinary = "XGBoost legacy binary"
    case pythonPickle = "Python pickle"
    case onnx = "ONNX"
    case lightgbmText = "LightGBM text"
    /// Told apart from XGBoost JSON by its keys once parsed (`ModelReader`), not by its first bytes.
    case catboostJSON = "CatBoost JSON"
    case catboostBinary = "CatBoost binary"

    public var description: String { rawValue }

    /// The format of `bytes`, or nil when they look like none of them. Mirrors xgboost's own dispatch.
    public static func detect(_ bytes: [UInt8]) -> ModelFormat? {
        guard let first = bytes.first else { return nil }
        if bytes.count >= 4, bytes[0..<4].elementsEqual("binf".utf8) { return .xgboostLegacyBinary }
        if first == 0x80 { return .pythonPickle }
        if bytes.starts(with: CatBoostBinaryReader.magic) { return .catboostBinary }
        if LightGBMTextReader.looksLikeLightGBM(bytes) { return .lightgbmText }
        if ONNXModelReader.looksLikeONNX(bytes) { return .onnx }
        if first == UInt8(ascii: "{") {
            // After '{': JSON continues with whitespace and a quote; UBJSON with a type marker (in practice 'L').
            for byte in bytes.dropFirst().prefix(64) {
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): continue
                case UInt8(ascii: "\""), UInt8(ascii: "}"): return .xgboostJSON
                default: return .xgboostUBJSON
                }
            }
            return .xgboostJSON
        }
        return nil
    }
}
