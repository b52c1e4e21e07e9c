import BerthText

/// Why the model artifact could not be opened. Every message names the file and says what to do about it,
/// because it ends up in the startup log and in the `/ping` reason that a person reads.
public enum ArtifactError: Error, Sendable, Equatable, CustomStringConvertible {
    case directoryMissing(String)
    case notADirectory(String)
    case noModelFiles(directory: String, ignored: [String])
    case unreadable(path: String, reason: String)
    case corruptGzip(path: String, reason: String)
    case inflationLimitExceeded(path: String, limit: Int)
    case corruptTar(path: String, reason: String)
    case unsafeTarEntry(archive: String, entry: String, reason: String)
    case tooManyFiles(directory: String, limit: Int)

    public var description: String {
        switch self {
        case .directoryMissing(let directory):
            return "model directory \(directory) does not exist: SageMaker extracts model.tar.gz there; locally pass --model-dir or set SM_MODEL_DIR"
        case .notADirectory(let path):
            return "model directory \(path) is not a directory: point --model-dir (or SM_MODEL_DIR) at the folder holding the model"
        case .noModelFiles(let directory, let ignored):
            let skipped = ignored.isEmpty ? "" : " (ignored: \(ignored.prefix(5).map { $0.excerpt() }.joined(separator: ", ")))"
            return """
                model directory \(directory) holds no model file\(skipped): expected an XGBoost, LightGBM, CatBoost or ONNX \
                model file (recognised by its contents, not its name), a model.tar.gz / .tgz, or gzipped model files
                """
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .corruptGzip(let path, let reason):
            return "\(path) is not a valid gzip stream (\(reason)): re-create it with `tar czf model.tar.gz …` or gzip"
        case .inflationLimitExceeded(let path, let limit):
            return """
                \(path) inflates to more than \(limit / (1 << 20)) MiB, the limit: raise BERTH_MAX_ARTIFACT_MB (by default half the \
                memory the container may use, at most 4096) if the model really is that large and the instance has the memory
                """
        case .corruptTar(let path, let reason):
            return "\(path) is not a valid tar archive (\(reason)): re-create it with `tar czf model.tar.gz -C <dir> .`"
        case .unsafeTarEntry(let archive, let entry, let reason):
            return "refusing \(archive): entry \(quoted: entry) \(reason); a model archive may hold only regular files and folders with relative paths"
        case .tooManyFiles(let directory, let limit):
            return "model directory \(directory) holds more than \(limit) files: point --model-dir at the model's own folder"
        }
    }
}
