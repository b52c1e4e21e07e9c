import BerthCore
import BerthFormats
import Logging
import ServiceLifecycle

/// Loads the model beside the HTTP server, so the port is listening (and `/ping` answering 503) from the first
/// moment, then stays alive until shutdown — a finished service would stop the whole service group.
///
/// The load starts when the service is made, not when the service group runs it: building the HTTP application
/// and starting the group take a few milliseconds that the load, the longest part of a cold start, need not wait
/// for (the second core builds the server meanwhile).
public struct ModelLoadingService: Service, CustomStringConvertible {
    let loader: ModelLoader
    let state: ModelState
    let logger: Logger
    /// The load's outcome and how long it took (timed where it ran: the group may start after it ends).
    let load: Task<(outcome: Result<ServedModel, ModelLoader.Failure>, took: Duration), Never>

    /// Starts loading `loader`'s model now, on a Dispatch thread; `run` publishes the outcome in `state`.
    public init(loader: ModelLoader, state: ModelState, logger: Logger) {
        self.loader = loader
        self.state = state
        self.logger = logger
        logger.info("loading model", metadata: ["model_dir": .string(loader.configuration.model.directory)])
        let started = ContinuousClock.now
        load = Task {
            do throws(ModelLoader.Failure) {
                let model = try await loader.loadInBackground(logger: logger)
                return (.success(model), ContinuousClock.now - started)
            } catch {
                return (.failure(error), ContinuousClock.now - started)
            }
        }
    }

    /// The name the service group logs: without one it reflects over the loader's whole configuration.
    public var description: String { "ModelLoadingService" }

    public func run() async throws {
        let (outcome, elapsed) = await load.value
        do throws(ModelLoader.Failure) {
            let model = try outcome.get()
            state.set(.ready(model))
            loader.metrics.recordLoad(elapsed, succeeded: true)
            loader.metrics.publishModelInfo(model)
            let summary = model.summary
            var metadata: Logger.Metadata = [
                "files": .array(summary.files.map { .string($0) }),
                "sha256": .string(summary.sha256),
                "format": .string(summary.format.description),
                "writer": .string(summary.writer ?? "unknown"),
                "objective": .string(summary.objective),
                "kind": .string(summary.kind),
                "trees": .stringConvertible(summary.treeCount),
                "bytes": .stringConvertible(model.residentBytes),
                "features": .stringConvertible(model.featureCount),
                "outputs": .stringConvertible(model.outputCount),
                "backend": .string(model.placement == .cpu ? "cpu (dense kernel: \(CPUBackend.denseInstructionSet))" : model.placement.description),
                "batching": .string(model.batcher.map { "on, up to \($0.maxConcurrentCalls) joined call\($0.maxConcurrentCalls == 1 ? "" : "s") at once (\(model.batching))" }
                                    ?? "off (\(model.batching))"),
                "load_ms": .stringConvertible(Int(elapsed.inSeconds * 1000)),
            ]
            if let choice = model.compiled.kernelChoice { metadata["tree_walk"] = .string(choice) }
            logger.info("model ready", metadata: metadata)
        } catch {
            state.set(.failed(error.description))
            loader.metrics.recordLoad(elapsed, succeeded: false)
            logger.critical("model failed to load; /ping answers 503 until the container is restarted with a fixed model",
                            metadata: ["reason": .string(error.description)])
        }
        try? await gracefulShutdown()
    }
}
