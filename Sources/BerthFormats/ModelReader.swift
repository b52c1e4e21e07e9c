import BerthJSON

/// Reads any supported model file: detects the format from the bytes and hands them to the right reader.
public enum ModelReader {
    public static func read(file: String, bytes: [UInt8]) throws(ModelReadError) -> LoadedModel {
        switch ModelFormat.detect(bytes) {
        case .xgboostLegacyBinary:
            return try XGBoostLegacyBinaryReader.read(file: file, bytes: bytes)
        case .xgboostJSON:
            let document: JSONValue
            do { document = try JSONReader.parse(bytes) } catch {
                throw ModelReadError(file: file, reason: "is not valid JSON (\(error)); the file may be truncated")
            }
            return try XGBoostJSONModelDecoder.decode(document, file: file, format: .xgboostJSON)
        case .xgboostUBJSON:
            let document: JSONValue
            do { document = try UBJSONReader.parse(bytes) } catch {
                throw ModelReadError(file: file, reason: "is not valid UBJSON (\(error)); the file may be truncated")
            }
            return try XGBoostJSONModelDecoder.decode(document, file: file, format: .xgboostUBJSON)
        case .pythonPickle:
            throw .pickle(file)
        case nil:
            throw .unknownFormat(file, prefix: bytes)
        }
    }
}
