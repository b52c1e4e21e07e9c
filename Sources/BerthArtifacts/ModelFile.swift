/// One candidate model file found in the artifact, with its bytes in memory (already inflated if it was gzipped).
///
/// `path` says where it came from for logs and errors: `xgboost-model`, `model.tar.gz:xgboost-model`, or
/// `xgboost-model.gz`. `extractedPath` is where the file would be once the artifact is unpacked the way SageMaker
/// unpacks `model.tar.gz` (`xgboost-model` in all three cases): the name the artifact's digest uses. Formats are
/// detected from `bytes`, never from the name.
public struct ModelFile: Sendable, Equatable {
    public let path: String
    public let extractedPath: String
    public let bytes: [UInt8]

    public init(path: String, extractedPath: String? = nil, bytes: [UInt8]) {
        self.path = path
        self.extractedPath = extractedPath ?? path
        self.bytes = bytes
    }
}
