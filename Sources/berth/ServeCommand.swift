import ArgumentParser
import BerthCore
import BerthRuntime
import BerthServer
import BerthText
import Logging

/// `berth serve`: listen on SageMaker's port at once, load the model beside it, serve until SIGTERM.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the model in the model directory over SageMaker's container contract.",
        discussion: """
            Flags override the environment; the environment overrides defaults. Environment variables: \
            SM_MODEL_DIR, SAGEMAKER_BIND_TO_PORT, SAGEMAKER_MAX_PAYLOAD_IN_MB, SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT, \
            SAGEMAKER_BATCH, SAGEMAKER_BATCH_STRATEGY, SAGEMAKER_MAX_CONCURRENT_TRANSFORMS, \
            SAGEMAKER_INFERENCE_ENSEMBLE, SAGEMAKER_INFERENCE_OUTPUT, SAGEMAKER_MULTI_MODEL, BERTH_LIBSVM_INDEX_BASE, \
            BERTH_ANSWER_STYLE, BERTH_EXPLAIN, BERTH_CSV_HEADER, BERTH_UNKNOWN_FEATURES, BERTH_CLASS_LABELS, BERTH_MODEL_NAME, \
            BERTH_EXPECT_SHA256, BERTH_BODY_TIMEOUT_SECONDS, BERTH_IDLE_TIMEOUT_SECONDS, \
            BERTH_MAX_ARTIFACT_MB, BERTH_THREADS, BERTH_TREE_WALK, BERTH_BATCHING, BERTH_MAX_BATCH_ROWS, BERTH_MAX_BATCH_DELAY_US, BERTH_MAX_BATCH_CALLS, \
            BERTH_MODELS_ROOT, BERTH_MODELS_MEMORY_MB, BERTH_DEVICE, BERTH_CUDA_MIN_ROWS, BERTH_NVRTC_PATH, BERTH_LOG_LEVEL, \
            SAGEMAKER_CONTAINER_LOG_LEVEL, SAGEMAKER_TRITON_DEFAULT_MODEL_NAME, BERTH_SWAGGER_UI_URL \
            (see docs/configuration.md).
            """
    )

    @Option(name: .customLong("model-dir"), help: "The model directory (default: SM_MODEL_DIR or /opt/ml/model).")
    var modelDirectory: String?

    @Option(help: "The TCP port (default: SAGEMAKER_BIND_TO_PORT or 8080).")
    var port: Int?

    @Option(help: "The address to listen on (default: 0.0.0.0).")
    var host: String?

    func run() async throws {
        try await Self.serve(modelDirectory: modelDirectory, port: port, host: host)
    }

    /// The server with the flags given (nil: the environment's value, or the default). `BerthMain` calls it for a
    /// bare `serve` without parsing the command line.
    static func serve(modelDirectory: String?, port: Int?, host: String?) async throws {
        LargeAllocations.reuseWhileBusy()
        var configuration: BerthConfiguration
        do {
            configuration = try BerthConfiguration(environment: ProcessEnvironment.current,
                                                    processorCount: RowParallelism.onlineProcessorCount)
        } catch {
            bootstrapLogging(level: .info)
            Logger(label: "berth").critical("invalid configuration", metadata: ["reason": .string(error.description)])
            throw ExitCode(2)
        }
        if let modelDirectory { configuration.model.directory = modelDirectory }
        if let port {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0…65535") }
            configuration.serving.port = port
        }
        if let host { configuration.serving.host = host }
        bootstrapLogging(level: configuration.logLevel)
        let logger = Logger(label: "berth")
        // One registry for the GPU's counters and the server's: what GET /metrics renders.
        let metrics = ServerMetrics()
        let choice: BackendChoice
        do {
            choice = try BackendChoice.choose(configuration: configuration, environment: ProcessEnvironment.current, logger: logger,
                                              metrics: metrics.factory)
        } catch {
            logger.critical("no GPU can be bound", metadata: ["reason": .string(error.description)])
            throw ExitCode(2)
        }
        logger.info("\(choice.startupLine)", metadata: choice.details.mapValues { .string($0) })
        do {
            try await BerthApplication.serve(configuration: configuration, logger: logger, backend: choice.backend, metrics: metrics,
                                             version: BerthVersion.description)
        } catch {
            // What stops the server before or while it runs: most often a port in use, or a host that does not resolve.
            let address = "\(configuration.serving.host):\(configuration.serving.port)"
            logger.critical("the server stopped", metadata: [
                "address": .string(address),
                "reason": .string("\(error)".excerpt(limit: 300)),
                "fix": "if the port is in use or the host is not this machine's, choose another with SAGEMAKER_BIND_TO_PORT (or --port) and --host",
            ])
            throw ExitCode(2)
        }
    }

    private static func bootstrapLogging(level: Logger.Level) {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
    }
}
