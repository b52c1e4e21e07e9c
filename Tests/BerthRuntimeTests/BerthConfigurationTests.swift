import BerthArtifacts
import BerthCodecs
@testable import BerthRuntime
import Logging
import Testing

@Suite struct BerthConfigurationTests {
    @Test func defaultsAreSageMakers() throws {
        let configuration = try BerthConfiguration(environment: [:], processorCount: 4)
        #expect(configuration.port == 8080)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.modelDirectory == "/opt/ml/model")
        #expect(configuration.maxPayloadBytes == 6_291_456)
        #expect(configuration.maxConcurrentTransforms == 4)
        #expect(configuration.batchStrategy == "MULTI_RECORD")
        #expect(configuration.defaultAccept == .csv)
        #expect(configuration.ensemble)
        #expect(!configuration.batchMode)
    }

    @Test func environmentOverridesDefaults() throws {
        let configuration = try BerthConfiguration(environment: [
            "SAGEMAKER_BIND_TO_PORT": "9090", "SM_MODEL_DIR": "/models/a", "SAGEMAKER_MAX_PAYLOAD_IN_MB": "0",
            "SAGEMAKER_BATCH": "TRUE", "SAGEMAKER_INFERENCE_ENSEMBLE": "false", "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/json",
            "BERTH_MAX_ARTIFACT_MB": "10", "SAGEMAKER_CONTAINER_LOG_LEVEL": "30",
        ], processorCount: 2)
        #expect(configuration.port == 9090)
        #expect(configuration.modelDirectory == "/models/a")
        #expect(configuration.maxPayloadBytes == nil)
        #expect(configuration.maxPayloadInMB == 0)
        #expect(configuration.batchMode)
        #expect(!configuration.ensemble)
        #expect(configuration.defaultAccept == .json)
        #expect(configuration.artifactLimits.maxTotalBytes == 10 << 20)
        #expect(configuration.logLevel == .warning)
    }

    @Test(arguments: [
        ("SAGEMAKER_BIND_TO_PORT", "http"), ("SAGEMAKER_BIND_TO_PORT", "70000"), ("SAGEMAKER_MAX_PAYLOAD_IN_MB", "-1"),
        ("SAGEMAKER_BATCH", "maybe"), ("SAGEMAKER_BATCH_STRATEGY", "SOMETIMES"), ("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "image/png"),
        ("BERTH_LOG_LEVEL", "loud"),
    ])
    func invalidValuesNameTheVariable(_ name: String, _ value: String) {
        let error = #expect(throws: ConfigurationError.self) { try BerthConfiguration(environment: [name: value], processorCount: 1) }
        #expect(error?.description.hasPrefix("\(name)=\(value) is not valid") == true)
    }

    @Test func multiModelSettings() throws {
        let configuration = try BerthConfiguration(environment: ["SAGEMAKER_MULTI_MODEL": "TRUE", "BERTH_MODELS_ROOT": "/data/models",
                                                                  "BERTH_MODELS_MEMORY_MB": "512"], processorCount: 2)
        #expect(configuration.multiModel)
        #expect(configuration.modelsRoot == "/data/models")
        #expect(configuration.modelsMemoryBudget == 512 << 20)
        let single = try BerthConfiguration(environment: [:], processorCount: 2)
        #expect(!single.multiModel && single.modelsRoot == "/opt/ml/models" && single.modelsMemoryBudget == nil)
        #expect(MemoryBudget.defaultBytes() > 0)
        #expect(MemoryBudget.defaultBytes() <= MemoryBudget.physicalMemory())
    }

    @Test func batchingSettings() throws {
        let defaults = try BerthConfiguration(environment: [:], processorCount: 2)
        #expect(defaults.batching && defaults.maxBatchRows == 256 && defaults.maxBatchDelayMicroseconds == 0)
        let configured = try BerthConfiguration(environment: ["BERTH_BATCHING": "false", "BERTH_MAX_BATCH_ROWS": "32",
                                                               "BERTH_MAX_BATCH_DELAY_US": "500"], processorCount: 2)
        #expect(!configured.batching && configured.maxBatchRows == 32 && configured.maxBatchDelayMicroseconds == 500)
        #expect(throws: ConfigurationError.self) { try BerthConfiguration(environment: ["BERTH_MAX_BATCH_ROWS": "0"], processorCount: 2) }
    }
}
