import BerthCore
import BerthJSON

/// Reads any supported model file: detects the format from the bytes and hands them to the right reader.
public enum ModelReader {
    /// `siblings` gives the bytes of another file of the artifact, by path relative to this file's folder (an ONNX
    /// model's external data); nil when there is no such file. The trees of an XGBoost JSON or UBJSON model and of a
    /// LightGBM text model, as files or pickled, are read on `parallelism`'s threads.
    public static func read(file: String, bytes: [UInt8], siblings: @escaping (String) -> [UInt8]? = { _ in nil },
                            parallelism: RowParallelism = RowParallelism(threadCount: 1)) throws(ModelReadError) -> LoadedModel {
        switch ModelFormat.detect(bytes) {
        case .xgboostLegacyBinary:
            return try XGBoostLegacyBinaryReader.read(file: file, bytes: bytes)
        case .xgboostJSON:
            // An XGBoost model's trees are parsed as they are decoded, each on its own (`ListedTrees`).
            let parsed: (document: JSONValue, lists: [ListedElements])
            do {
                parsed = try JSONReader.parse(bytes, allowsNonFiniteNumbers: true, listingArraysAt: XGBoostJSONModelDecoder.jsonTreePaths)
            } catch {
                throw ModelReadError(file: file, reason: "is not valid JSON (\(error)); the file may be truncated")
            }
            if CatBoostJSONReader.isCatBoost(parsed.document) { return try CatBoostJSONReader.read(parsed.document, file: file) }
            return try XGBoostJSONModelDecoder.decode(parsed.document, listedTrees: parsed.lists.map { ListedTrees($0, in: bytes, file: file) },
                                                      file: file, format: .xgboostJSON, parallelism: parallelism)
        case .xgboostUBJSON:
            let parsed: (document: JSONValue, lists: [ListedObjects])
            do { parsed = try UBJSONReader.parse(bytes, listingObjectsUnder: XGBoostJSONModelDecoder.treesKey) } catch {
                throw ModelReadError(file: file, reason: "is not valid UBJSON (\(error)); the file may be truncated")
            }
            return try XGBoostJSONModelDecoder.decode(parsed.document, listedTrees: parsed.lists.map(ListedTrees.init), file: file, format: .xgboostUBJSON,
                                                      parallelism: parallelism)
        case .onnx:
            return try ONNXModelReader.read(file: file, bytes: bytes, externalData: siblings)
        case .catboostBinary:
            return try CatBoostBinaryReader.read(file: file, bytes: bytes)
        case .lightgbmText:
            return try LightGBMTextReader.read(file: file, bytes: bytes, parallelism: parallelism)
        case .pythonPickle:
            return try PickledModelReader.read(file: file, bytes: bytes, parallelism: parallelism)
        case .catboostJSON, nil:
            // CatBoost JSON is found among JSON documents by its keys (above); its bytes alone are JSON.
            throw .unknownFormat(file, prefix: bytes)
        }
    }
}
