import BerthArtifacts
import BerthCodecs
import BerthCore
@testable import BerthRuntime
import Logging
import Testing

@Suite struct BerthConfigurationTests {
    @Test func defaultsAreSageMakers() throws {
        let configuration = try BerthConfiguration(environment: [:], processorCount: 4)
        #expect(configuration.serving.port == 8080)
        #expect(configuration.serving.host == "0.0.0.0")
        #expect(configuration.model.directory == "/opt/ml/model")
        #expect(configuration.serving.payloadLimit.bytes == 6_291_456)
        #expect(configuration.serving.payloadLimit.megabytes == 6)
        #expect(configuration.batchTransform.maxConcurrentTransforms == 4)
        #expect(configuration.batchTransform.strategy == .multiRecord)
        #expect(configuration.serving.defaultAccept == .csv)
        #expect(configuration.model.ensemble)
        #expect(!configuration.batchTransform.enabled)
    }

    @Test func environmentOverridesDefaults() throws {
        let configuration = try BerthConfiguration(environment: [
            "SAGEMAKER_BIND_TO_PORT": "9090", "SM_MODEL_DIR": "/models/a", "SAGEMAKER_MAX_PAYLOAD_IN_MB": "0",
            "SAGEMAKER_BATCH": "TRUE", "SAGEMAKER_INFERENCE_ENSEMBLE": "false", "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/json",
            "BERTH_MAX_ARTIFACT_MB": "10", "SAGEMAKER_CONTAINER_LOG_LEVEL": "30",
        ], processorCount: 2)
        #expect(configuration.serving.port == 9090)
        #expect(configuration.model.directory == "/models/a")
        #expect(configuration.serving.payloadLimit.bytes == nil)
        #expect(configuration.serving.payloadLimit.megabytes == 0)
        #expect(configuration.batchTransform.enabled)
        #expect(!configuration.model.ensemble)
        #expect(configuration.serving.defaultAccept == .json)
        #expect(configuration.model.artifactLimits.maxTotalBytes == 10 << 20)
        #expect(configuration.logLevel == .warning)
    }

    @Test(arguments: [
        ("SAGEMAKER_BIND_TO_PORT", "http"), ("SAGEMAKER_BIND_TO_PORT", "70000"), ("SAGEMAKER_MAX_PAYLOAD_IN_MB", "-1"),
        ("SAGEMAKER_BATCH", "maybe"), ("SAGEMAKER_BATCH_STRATEGY", "SOMETIMES"), ("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "image/png"),
        ("BERTH_LOG_LEVEL", "loud"), ("LOG_LEVEL", "verbose"), ("BERTH_ANSWER_STYLE", "triton"), ("BERTH_EXPLAIN", "shap"),
        ("BERTH_TREE_WALK", "fastest"), ("BERTH_TREE_WALK", "compact-rows,fastest"), ("BERTH_TREE_WALK", "compact-rows,"),
        ("BERTH_TREE_WALK", "compact-rows,compact-trees,packed-rows"),
    ])
    func invalidValuesNameTheVariable(_ name: String, _ value: String) {
        let error = #expect(throws: ConfigurationError.self) { try BerthConfiguration(environment: [name: value], processorCount: 1) }
        #expect(error?.description.hasPrefix("\(name)=\(value) is not valid") == true)
    }

    /// The inflation limit's default is half the memory the container may use, at most 4096 MiB, at least 64: a
    /// gzip bomb on a small instance is refused naming the limit instead of killing the process for memory.
    @Test func theArtifactLimitDefaultsToHalfTheUsableMemoryUpTo4096MiB() throws {
        #expect(ModelSettings.defaultArtifactBytes(usableMemory: 2 << 30) == 1 << 30)
        #expect(ModelSettings.defaultArtifactBytes(usableMemory: 24 << 30) == 4 << 30)
        #expect(ModelSettings.defaultArtifactBytes(usableMemory: 16 << 20) == 64 << 20)
        let configuration = try BerthConfiguration(environment: [:], processorCount: 1)
        #expect(configuration.model.artifactLimits.maxTotalBytes == ModelSettings.defaultArtifactBytes(usableMemory: MemoryBudget.usableBytes()))
        #expect(MemoryBudget.usableBytes() <= MemoryBudget.physicalMemory())
    }

    @Test func answerStyleIsSageMakersUnlessSetToJumpStart() throws {
        #expect(try BerthConfiguration(environment: [:], processorCount: 1).serving.answerStyle == .sageMaker)
        #expect(try BerthConfiguration(environment: ["BERTH_ANSWER_STYLE": "JumpStart"], processorCount: 1).serving.answerStyle == .jumpStart)
    }

    @Test func treeWalkIsMeasuredUnlessNamed() throws {
        #expect(try BerthConfiguration(environment: [:], processorCount: 1).compute.treeWalk == .measured)
        #expect(try BerthConfiguration(environment: ["BERTH_TREE_WALK": "measured"], processorCount: 1).compute.treeWalk == .measured)
        #expect(try BerthConfiguration(environment: ["BERTH_TREE_WALK": "Compact-Rows"], processorCount: 1).compute.treeWalk == .fixed(.compactRows))
        // Two walks: blocks, then single rows, as a measured load's ready line names them.
        #expect(try BerthConfiguration(environment: ["BERTH_TREE_WALK": "compact-rows-avx512, Compact-Trees-AVX512"], processorCount: 1)
            .compute.treeWalk == .pair(block: .compactRowsAVX512, fewRows: .compactTreesAVX512))
    }

    @Test func explainIsUnsetUnlessNamed() throws {
        #expect(try BerthConfiguration(environment: [:], processorCount: 1).serving.explain == nil)
        #expect(try BerthConfiguration(environment: ["BERTH_EXPLAIN": "contributions"], processorCount: 1).serving.explain == .contributions)
    }

    @Test func multiModelSettings() throws {
        let configuration = try BerthConfiguration(environment: ["SAGEMAKER_MULTI_MODEL": "TRUE", "BERTH_MODELS_ROOT": "/data/models",
                                                                  "BERTH_MODELS_MEMORY_MB": "512"], processorCount: 2)
        #expect(configuration.multiModel.enabled)
        #expect(configuration.multiModel.modelsRoot == "/data/models")
        #expect(configuration.multiModel.memoryBudgetBytes == 512 << 20)
        let single = try BerthConfiguration(environment: [:], processorCount: 2)
        #expect(!single.multiModel.enabled && single.multiModel.modelsRoot == "/opt/ml/models" && single.multiModel.memoryBudgetBytes == nil)
        #expect(MemoryBudget.defaultBytes() > 0)
        #expect(MemoryBudget.defaultBytes() <= MemoryBudget.physicalMemory())
    }

    @Test func batchingSettings() throws {
        let defaults = try BerthConfiguration(environment: [:], processorCount: 2)
        #expect(defaults.batching.enabled == nil && defaults.batching.maxRows == 256 && defaults.batching.maxDelay == .zero)
        let configured = try BerthConfiguration(environment: ["BERTH_BATCHING": "false", "BERTH_MAX_BATCH_ROWS": "32",
                                                               "BERTH_MAX_BATCH_DELAY_US": "500"], processorCount: 2)
        #expect(configured.batching.enabled == false && configured.batching.maxRows == 32 && configured.batching.maxDelay == .microseconds(500))
        #expect(throws: ConfigurationError.self) { try BerthConfiguration(environment: ["BERTH_MAX_BATCH_ROWS": "0"], processorCount: 2) }
        #expect(defaults.batching.maxConcurrentCalls == nil)
        #expect(try BerthConfiguration(environment: ["BERTH_MAX_BATCH_CALLS": "3"], processorCount: 2).batching.maxConcurrentCalls == 3)
        #expect(throws: ConfigurationError.self) { try BerthConfiguration(environment: ["BERTH_MAX_BATCH_CALLS": "0"], processorCount: 2) }
        #expect([1, 2, 4, 7, 8, 16, 64].map { BatchingSettings.defaultConcurrentCalls(threadCount: $0) } == [1, 1, 1, 1, 2, 4, 16])
    }

    @Test(arguments: [("MULTI_RECORD", BatchStrategy.multiRecord), ("MultiRecord", .multiRecord), ("multi-record", .multiRecord),
                      ("SINGLE_RECORD", .singleRecord), ("SingleRecord", .singleRecord), ("singlerecord", .singleRecord)])
    func batchStrategyIsReadHoweverItIsSpelled(_ text: String, _ strategy: BatchStrategy) throws {
        #expect(BatchStrategy(parsing: text) == strategy)
        let configuration = try BerthConfiguration(environment: ["SAGEMAKER_BATCH_STRATEGY": text], processorCount: 2)
        #expect(configuration.batchTransform.strategy == strategy)
        #expect(BatchStrategy(parsing: "RECORD") == nil)
    }

    @Test func payloadLimitIsHeldOnceAndReadBothWays() {
        #expect(PayloadLimit(megabytes: 6).bytes == 6 << 20)
        #expect(PayloadLimit(megabytes: 0).bytes == nil && PayloadLimit(megabytes: 0).megabytes == 0)
        #expect(PayloadLimit(megabytes: 0).allows(Int.max))
        #expect(PayloadLimit(megabytes: 1).allows(1 << 20) && !PayloadLimit(megabytes: 1).allows((1 << 20) + 1))
        #expect(PayloadLimit(bytes: 1000).megabytes == 1, "MaxPayloadInMB rounds a partial megabyte up")
        #expect(PayloadLimit(megabytes: 20).description == "20 MB")
        #expect(PayloadLimit(bytes: 1000).description == "1000 bytes")
    }

    /// SageMaker's numeric levels (Python's logging numbers), and BERTH_LOG_LEVEL winning when both are set.
    @Test(arguments: [([String: String](), Logger.Level.info), (["SAGEMAKER_CONTAINER_LOG_LEVEL": "10"], .debug),
                      (["SAGEMAKER_CONTAINER_LOG_LEVEL": "20"], .info), (["SAGEMAKER_CONTAINER_LOG_LEVEL": "30"], .warning),
                      (["SAGEMAKER_CONTAINER_LOG_LEVEL": "40"], .error),
                      (["SAGEMAKER_CONTAINER_LOG_LEVEL": "10", "BERTH_LOG_LEVEL": "error"], .error),
                      (["BERTH_LOG_LEVEL": "WARNING"], .warning), (["LOG_LEVEL": "debug"], .debug)])
    func logLevels(_ environment: [String: String], _ level: Logger.Level) throws {
        #expect(try BerthConfiguration(environment: environment, processorCount: 1).logLevel == level)
    }
}
