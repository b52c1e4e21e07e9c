import BerthCore
import Testing
@testable import BerthOpenInference

/// `config.pbtxt` files as Triton FIL users write them, every mistake refused naming the file and the field, and
/// FIL's answer options applied to a model's scores.
@Suite struct TritonModelConfigTests {
    static func config(_ parameters: String = #"{ key: "is_classifier" value: { string_value: "true" } }"#,
                       output: String = "[ 1 ]", extra: String = "") -> String {
        """
        name: "churn"
        backend: "fil"
        max_batch_size: 8
        input [ { name: "input__0" data_type: TYPE_FP32 dims: [ 3 ] } ]
        output [ { name: "output__0" data_type: TYPE_FP32 dims: \(output) } ]
        parameters [ \(parameters) ]
        \(extra)
        """
    }

    func read(_ text: String) throws(TritonConfigError) -> TritonModelConfig {
        try TritonModelConfig(parsing: Array(text.utf8), folderName: "churn")
    }

    @Test func defaultsAndFILsNames() throws {
        let config = try read(Self.config())
        #expect(config.modelType == .xgboost && config.modelFileName == "xgboost.model")
        #expect(config.isClassifier && !config.predictProba && config.threshold == 0.5)
        #expect(config.inputDims == [3] && config.outputDims == [1] && config.maxBatchSize == 8)
        let renamed = try read(Self.config(#"{ key: "output_class" value: { string_value: "false" } }, { key: "model_type" value: { string_value: "xgboost_json" } }, { key: "layout" value: { string_value: "depth_first" } }"#,
                                           extra: #"default_model_filename: "m.json""#))
        #expect(!renamed.isClassifier && renamed.modelType == .xgboostJSON && renamed.modelFileName == "m.json")
        #expect(renamed.ignoredParameters == ["layout"])
    }

    @Test(arguments: [
        (config().replacingFirst("name: \"churn\"", with: "name: \"other\""), "them to match"),
        (config().replacingFirst("backend: \"fil\"", with: "backend: \"python\""), "backend is 'python'"),
        (config(#"{ key: "threshold" value: { string_value: "0.5" } }"#), "set parameters is_classifier"),
        (config(#"{ key: "is_classifier" value: { string_value: "yes" } }"#), "exactly \"true\" or \"false\""),
        (config(#"{ key: "is_classifier" value: { string_value: "true" } }, { key: "model_type" value: { string_value: "onnx" } }"#), "model_type 'onnx'"),
        (config(#"{ key: "is_classifier" value: { string_value: "true" } }, { key: "threshold" value: { string_value: "half" } }"#), "threshold 'half'"),
        (config().replacingFirst("data_type: TYPE_FP32 dims: [ 3 ]", with: "data_type: TYPE_FP64 dims: [ 3 ]"), "TYPE_FP32"),
        (config(extra: #"output [ { name: "treeshap_output" data_type: TYPE_FP32 dims: [ 4 ] } ]"#), "treeshap_output"),
        (config().replacingFirst("input [", with: "input [ { name: \"b\" data_type: TYPE_FP32 dims: [ 1 ] },"), "one input"),
        (config().replacingFirst("max_batch_size: 8", with: "max_batch_size: -1"), "max_batch_size"),
        ("name: \"churn\" input {", "churn/config.pbtxt, line 1"),
    ])
    func mistakesNameTheFileAndField(_ text: String, _ expected: String) {
        let error = #expect(throws: TritonConfigError.self) { try read(text) }
        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "accepted")")
        #expect(error?.description.hasPrefix("churn/config.pbtxt") == true)
    }

    @Test func theTensorsAreCheckedAgainstTheModel() throws {
        let config = try read(Self.config())
        #expect(throws: TritonConfigError.self) { try config.check(featureCount: 4, meaning: .binaryProbability) }
        #expect(throws: Never.self) { try config.check(featureCount: 3, meaning: .binaryProbability) }
        let proba = try read(Self.config(#"{ key: "is_classifier" value: { string_value: "true" } }, { key: "predict_proba" value: { string_value: "true" } }"#, output: "[ 3 ]"))
        #expect(throws: Never.self) { try proba.check(featureCount: 3, meaning: .classProbabilities(labels: .integers([0, 1, 2]))) }
        let wrongWidth = #expect(throws: TritonConfigError.self) { try proba.check(featureCount: 3, meaning: .binaryProbability) }
        #expect(wrongWidth?.description.contains("set dims: [ 2 ]") == true)
        let softmax = #expect(throws: TritonConfigError.self) { try proba.check(featureCount: 3, meaning: .classIndex(classCount: 3)) }
        #expect(softmax?.description.contains("multi:softprob") == true)
    }

    @Test func filAnswersFromScores() throws {
        let binary = Predictions(rowCount: 3, columnCount: 1, values: [0.3, Float(0.3).nextUp, 0.9])
        let classes = FILAnswer(config: try read(Self.config(#"{ key: "is_classifier" value: { string_value: "true" } }, { key: "threshold" value: { string_value: "0.3" } }"#)))
        // Strictly greater than the threshold, as FIL compares.
        #expect(classes.answer(binary, meaning: .binaryProbability).values == [0, 1, 1])
        #expect(classes.shape(rows: 3) == [3])
        let pairs = FILAnswer(config: try read(Self.config(#"{ key: "is_classifier" value: { string_value: "true" } }, { key: "predict_proba" value: { string_value: "true" } }"#, output: "[ 2 ]")))
        let p: [Float] = [0.3, Float(0.3).nextUp, 0.9]
        #expect(pairs.answer(binary, meaning: .binaryProbability).values == [1 - p[0], p[0], 1 - p[1], p[1], 1 - p[2], p[2]])
        #expect(pairs.shape(rows: 3) == [3, 2])
        let multi = Predictions(rowCount: 2, columnCount: 3, values: [0.2, 0.4, 0.4, 0.7, 0.2, 0.1])
        #expect(classes.answer(multi, meaning: .classProbabilities(labels: .integers([0, 1, 2]))).values == [1, 0])
        let regressor = FILAnswer(config: try read(Self.config(#"{ key: "is_classifier" value: { string_value: "false" } }"#)))
        #expect(regressor.answer(binary, meaning: .regression).values == binary.values)
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        replacing(target, with: replacement, maxReplacements: 1)
    }
}
