import BerthArtifacts
import BerthOpenInference
import Testing
@testable import BerthRuntime

/// Finding the model to serve in a Triton model repository, and every layout mistake named with what to do.
@Suite struct TritonRepositoryTests {
    static func config(_ modelType: String = "xgboost_json") -> [UInt8] {
        Array("""
            backend: "fil"
            input [ { name: "input__0" data_type: TYPE_FP32 dims: [ 3 ] } ]
            output [ { name: "output__0" data_type: TYPE_FP32 dims: [ 1 ] } ]
            parameters [ { key: "model_type" value: { string_value: "\(modelType)" } },
                         { key: "is_classifier" value: { string_value: "false" } } ]
            """.utf8)
    }

    static func file(_ path: String, _ bytes: [UInt8] = Array("{}".utf8)) -> ModelFile {
        ModelFile(path: "model.tar.gz:" + path, extractedPath: path, bytes: bytes)
    }

    func find(_ files: [ModelFile], defaultName: String? = nil) throws(TritonConfigError) -> TritonRepository? {
        try TritonRepository.find(in: files, defaultModelName: defaultName)
    }

    @Test func theHighestNumericVersionAndItsFile() throws {
        let files = [Self.file("prices/config.pbtxt", Self.config()), Self.file("prices/1/xgboost.json"), Self.file("prices/10/xgboost.json"),
                     Self.file("prices/010/xgboost.json"), Self.file("prices/latest/xgboost.json"), Self.file("prices/10/README")]
        let repository = try #require(try find(files))
        #expect(repository.config.name == "prices" && repository.version == 10)
        #expect(repository.modelFile.extractedPath == "prices/10/xgboost.json")
        #expect(try find([Self.file("xgboost-model")]) == nil)
    }

    @Test func severalModelsNeedTheDefaultName() throws {
        let files = [Self.file("a/config.pbtxt", Self.config()), Self.file("a/1/xgboost.json"),
                     Self.file("b/config.pbtxt", Self.config()), Self.file("b/1/xgboost.json")]
        let error = #expect(throws: TritonConfigError.self) { try find(files) }
        #expect(error?.description.contains("SAGEMAKER_TRITON_DEFAULT_MODEL_NAME") == true)
        #expect(try find(files, defaultName: "b")?.config.name == "b")
        #expect(throws: TritonConfigError.self) { try find(files, defaultName: "c") }
    }

    @Test(arguments: [
        ([file("config.pbtxt", config())], "top of the model directory"),
        ([file("m/config.pbtxt", config("lightgbm")), file("m/1/model.txt")], "LightGBM"),
        ([file("m/config.pbtxt", config("treelite_checkpoint")), file("m/1/checkpoint.tl")], "Treelite"),
        ([file("m/config.pbtxt", config())], "no version folder"),
        ([file("m/config.pbtxt", config()), file("m/1/xgboost.model")], "has no xgboost.json, the file model_type xgboost_json reads (it holds xgboost.model)"),
    ])
    func layoutMistakesAreNamed(_ files: [ModelFile], _ expected: String) {
        let error = #expect(throws: TritonConfigError.self) { try find(files) }
        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "found")")
    }
}
