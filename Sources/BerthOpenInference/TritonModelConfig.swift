import BerthCore
import BerthProtobuf
import BerthText

/// A Triton model configuration (`config.pbtxt`) of the FIL backend, as Berth serves it (docs/open-inference.md):
/// the input and output tensors, the model file to read, and FIL's answer options — `is_classifier` (or its
/// earlier name `output_class`), `threshold` and `predict_proba`.
///
/// FIL's performance knobs (`layout`, `chunk_size`, `algo`, `storage_type`, `blocks_per_sm`, `threads_per_tree`,
/// `transfer_threshold`, `cpu_nthread`, `use_experimental_optimizations`, `xgboost_allow_unknown_field`) change how
/// FIL computes, not what; they are listed in `ignoredParameters` for the load's log line. Anything that would
/// change an answer and that Berth does not do is refused naming the field.
public struct TritonModelConfig: Sendable, Equatable {
    /// FIL's `model_type`: the serialization of the model file.
    public enum ModelType: String, Sendable, CaseIterable {
        case xgboost, xgboostJSON = "xgboost_json", xgboostUBJSON = "xgboost_ubj", lightgbm, treeliteCheckpoint = "treelite_checkpoint"

        /// The file FIL reads in a version folder when `default_model_filename` does not name another.
        public var defaultFileName: String {
            switch self {
            case .xgboost: "xgboost.model"
            case .xgboostJSON: "xgboost.json"
            case .xgboostUBJSON: "xgboost.ubj"
            case .lightgbm: "model.txt"
            case .treeliteCheckpoint: "checkpoint.tl"
            }
        }
    }

    /// The model's name: the repository folder's, which `name` must match when given.
    public let name: String
    public let maxBatchSize: Int
    public let inputName: String
    /// The input's `dims` without the batch dimension: `[features]`.
    public let inputDims: [Int]
    public let outputName: String
    public let outputDims: [Int]
    public let modelType: ModelType
    /// The file in the version folder.
    public let modelFileName: String
    public let isClassifier: Bool
    public let threshold: Float
    public let predictProba: Bool
    /// Parameters read and deliberately not acted on (FIL's performance settings).
    public let ignoredParameters: [String]
    /// The versions `version_policy` allows among those present: nil for Triton's default, the highest one.
    public let specificVersions: [Int]?

    static let performanceParameters: Set<String> = [
        "layout", "chunk_size", "algo", "storage_type", "blocks_per_sm", "threads_per_tree", "transfer_threshold",
        "cpu_nthread", "use_experimental_optimizations", "xgboost_allow_unknown_field",
    ]

    /// Reads `config.pbtxt` of the repository folder `folderName`.
    public init(parsing bytes: [UInt8], folderName: String) throws(TritonConfigError) {
        let config: TextFormatMessage
        do {
            config = try TextFormatMessage.parse(bytes)
        } catch {
            throw TritonConfigError("\(folderName)/config.pbtxt, \(error)")
        }
        func fail(_ reason: String) -> TritonConfigError { TritonConfigError("\(folderName)/config.pbtxt: \(reason)") }

        if let name = config.value("name")?.text, name != folderName {
            throw fail("name is \(quoted: name) but the folder is '\(folderName)': Triton requires them to match")
        }
        name = folderName
        if let backend = config.value("backend")?.text, backend != "fil" {
            throw fail("backend is \(quoted: backend); Berth serves models of Triton's FIL backend (tree models)")
        }
        if let platform = config.value("platform")?.text {
            throw fail("platform is \(quoted: platform); Berth serves models of Triton's FIL backend (backend: \"fil\")")
        }
        maxBatchSize = try Self.integer(config.value("max_batch_size"), "max_batch_size", fail) ?? 0

        let inputs = config.messages("input"), outputs = config.messages("output")
        guard inputs.count == 1 else { throw fail("FIL models have one input (input__0); this one declares \(inputs.count)") }
        if let extra = outputs.first(where: { $0.value("name")?.text != "output__0" }) {
            let name = extra.value("name")?.text ?? "?"
            throw fail(name == "treeshap_output"
                       ? "the output treeshap_output (SHAP values) is not served by Berth yet: remove it from the outputs"
                       : "FIL models have the output output__0; this one declares \(quoted: name)")
        }
        guard outputs.count == 1 else { throw fail("FIL models have one output, output__0; this one declares \(outputs.count)") }
        (inputName, inputDims) = try Self.tensor(inputs[0], "input", fail)
        (outputName, outputDims) = try Self.tensor(outputs[0], "output", fail)

        var parameters = [String: String]()
        for entry in config.messages("parameters") {
            guard let key = entry.value("key")?.text, let value = entry.messages("value").last?.value("string_value")?.text else {
                throw fail("each parameters entry needs a key and value: { string_value: \"…\" }")
            }
            parameters[key] = value
        }
        let typeName = parameters["model_type"] ?? "xgboost"
        guard let modelType = ModelType(rawValue: typeName) else {
            throw fail("model_type \(quoted: typeName) is not one of \(ModelType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.modelType = modelType
        modelFileName = config.value("default_model_filename")?.text ?? modelType.defaultFileName
        guard let classifier = try Self.flag(parameters["is_classifier"] ?? parameters["output_class"], "is_classifier", fail) else {
            throw fail("set parameters is_classifier (or output_class) to \"true\" or \"false\", as FIL requires")
        }
        isClassifier = classifier
        predictProba = try Self.flag(parameters["predict_proba"], "predict_proba", fail) ?? false
        if let text = parameters["threshold"] {
            guard let value = Float(text.hasSuffix("f") ? String(text.dropLast()) : text), value.isFinite else {
                throw fail("threshold '\(text.excerpt(limit: 32))' is not a number")
            }
            threshold = value
        } else {
            // FIL's documentation: "If unset, an implicit threshold of 0.5 is used."
            threshold = 0.5
        }
        let known: Set<String> = ["model_type", "is_classifier", "output_class", "predict_proba", "threshold"]
        ignoredParameters = parameters.keys.filter { !known.contains($0) }.sorted()

        let policies = config.messages("version_policy")
        if let specific = policies.last?.messages("specific").last {
            specificVersions = try specific.values("versions").map { value throws(TritonConfigError) in
                guard let version = value.text.flatMap({ Int($0) }), version > 0 else { throw fail("version_policy.specific has a version that is not a positive integer") }
                return version
            }
        } else {
            specificVersions = nil
        }
    }

    /// Checks the tensors against the model once it is read: the input's `[features]`, the output's width as FIL
    /// answers for this model.
    public func check(featureCount: Int, meaning: PredictionMeaning) throws(TritonConfigError) {
        guard inputDims == [featureCount] || inputDims == [-1] else {
            throw TritonConfigError("\(name)/config.pbtxt: input \(inputName) has dims \(inputDims) but the model takes \(featureCount) features")
        }
        let answer = FILAnswer(config: self)
        try answer.check(meaning: meaning)
        let width = answer.width(meaning: meaning)
        guard outputDims.reduce(1, *) == width || outputDims == [-1] else {
            throw TritonConfigError("""
                \(name)/config.pbtxt: output \(outputName) has dims \(outputDims) but FIL answers \(width) value\(width == 1 ? "" : "s") a row \
                for this model (is_classifier \(isClassifier), predict_proba \(predictProba)): set dims: [ \(width) ]
                """)
        }
    }

    private static func tensor(_ message: TextFormatMessage, _ kind: String,
                               _ fail: (String) -> TritonConfigError) throws(TritonConfigError) -> (String, [Int]) {
        guard let name = message.value("name")?.text else { throw fail("the \(kind) has no name") }
        if let type = message.value("data_type")?.text, type != "TYPE_FP32" {
            throw fail("\(kind) \(quoted: name) has data_type \(type.excerpt(limit: 32)); FIL's tensors are TYPE_FP32")
        }
        let dims = try message.values("dims").map { value throws(TritonConfigError) in
            guard let dim = value.text.flatMap({ Int($0) }), dim >= -1 else { throw fail("\(kind) \(quoted: name) has dims that are not integers") }
            return dim
        }
        return (name, dims)
    }

    private static func integer(_ value: TextFormatMessage.Value?, _ field: String,
                                _ fail: (String) -> TritonConfigError) throws(TritonConfigError) -> Int? {
        guard let value else { return nil }
        guard let integer = value.text.flatMap({ Int($0) }), integer >= 0 else { throw fail("\(field) is not a non-negative integer") }
        return integer
    }

    /// FIL's booleans: exactly "true" or "false".
    private static func flag(_ text: String?, _ field: String, _ fail: (String) -> TritonConfigError) throws(TritonConfigError) -> Bool? {
        switch text {
        case nil: nil
        case "true": true
        case "false": false
        default: throw fail("parameter \(field) is '\(text!.excerpt(limit: 32))'; FIL takes exactly \"true\" or \"false\"")
        }
    }
}

/// A `config.pbtxt` that cannot be served, with the file and what to change.
public struct TritonConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
