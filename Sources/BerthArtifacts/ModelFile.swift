/// One candidate model file found in the artifact, with its bytes in memory (already inflated if it was gzipped).
///
/// `path` says where it came from for logs and errors: `xgboost-model`, `model.tar.gz:xgboost-model`, or
/// `xgboost-model.gz`. Formats are detected from `bytes`, never from the name.
public struct ModelFile: Sendable, Equatable {
    public let path: String
    public let bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}
