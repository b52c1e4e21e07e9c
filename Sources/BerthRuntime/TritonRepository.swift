import BerthArtifacts
import BerthOpenInference
import BerthText

/// A Triton model repository in the model directory — `<name>/config.pbtxt` beside `<name>/<version>/<file>`, as a
/// Triton FIL endpoint's `model.tar.gz` holds it — and the one model Berth serves from it (docs/open-inference.md).
///
/// The model is the folder `SAGEMAKER_TRITON_DEFAULT_MODEL_NAME` names, or the only one; its version the highest
/// numeric folder the configuration's `version_policy` allows (Triton's default, latest 1: folders whose names are not
/// numbers, or start with `0`, are ignored, as Triton ignores them); its file the one FIL's `model_type` (or
/// `default_model_filename`) names.
struct TritonRepository {
    let config: TritonModelConfig
    let version: Int
    let modelFile: ModelFile
    /// The repository's other files, not read.
    let otherFiles: [String]

    /// The repository in `files`, or nil when they hold no `config.pbtxt`.
    static func find(in files: [ModelFile], defaultModelName: String?) throws(TritonConfigError) -> TritonRepository? {
        let paths = files.map { components(of: $0.extractedPath) }
        if paths.contains(where: { $0 == ["config.pbtxt"] }) {
            throw TritonConfigError("config.pbtxt is at the top of the model directory: put the model's folder there instead (<name>/config.pbtxt, <name>/1/<model file>), as Triton requires")
        }
        let configIndices = paths.indices.filter { paths[$0].count == 2 && paths[$0][1] == "config.pbtxt" }
        guard !configIndices.isEmpty else { return nil }
        let names = configIndices.map { paths[$0][0] }
        let chosen: Int
        if let defaultModelName {
            guard let index = configIndices.first(where: { paths[$0][0] == defaultModelName }) else {
                throw TritonConfigError("SAGEMAKER_TRITON_DEFAULT_MODEL_NAME is \(quoted: defaultModelName) but the repository's models are \(names.sorted().joined(separator: ", "))")
            }
            chosen = index
        } else {
            guard configIndices.count == 1 else {
                throw TritonConfigError("the repository holds the models \(names.sorted().joined(separator: ", ")): set SAGEMAKER_TRITON_DEFAULT_MODEL_NAME to the one to serve")
            }
            chosen = configIndices[0]
        }
        let name = paths[chosen][0]
        let config = try TritonModelConfig(parsing: files[chosen].bytes, folderName: name)
        switch config.modelType {
        case .lightgbm:
            throw TritonConfigError("\(name)/config.pbtxt: model_type lightgbm (model.txt): Berth does not serve LightGBM models yet")
        case .treeliteCheckpoint:
            throw TritonConfigError("\(name)/config.pbtxt: model_type treelite_checkpoint: Treelite's checkpoint format is not documented enough to read exactly; export the model from XGBoost (xgboost.json) instead")
        default:
            break
        }
        var versions = Set<Int>()
        for path in paths where path.count >= 3 && path[0] == name {
            if let version = Int(path[1]), version > 0, !path[1].hasPrefix("0"), path[1].allSatisfy(\.isNumber) { versions.insert(version) }
        }
        if let allowed = config.specificVersions { versions.formIntersection(allowed) }
        guard let version = versions.max() else {
            throw TritonConfigError("\(name) has no version folder\(config.specificVersions == nil ? "" : " that version_policy allows"): put the model file in \(name)/1/\(config.modelFileName)")
        }
        let expected = [name, String(version), config.modelFileName]
        guard let index = paths.firstIndex(of: expected) else {
            let present = paths.filter { $0.count == 3 && $0[0] == name && $0[1] == String(version) }.map { $0[2] }
            throw TritonConfigError("""
                \(name)/\(version)/ has no \(config.modelFileName), the file model_type \(config.modelType.rawValue) reads\
                \(present.isEmpty ? "" : " (it holds \(present.sorted().joined(separator: ", ")))")
                """)
        }
        let others = files.indices.filter { $0 != index && $0 != chosen }.map { files[$0].extractedPath }
        return TritonRepository(config: config, version: version, modelFile: files[index], otherFiles: others)
    }

    private static func components(of path: String) -> [String] {
        path.split(separator: "/").map(String.init).filter { $0 != "." }
    }
}
