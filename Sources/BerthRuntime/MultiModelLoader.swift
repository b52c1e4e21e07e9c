import BerthCore
import BerthFormats
import Logging

/// Loads a model of a multi-model endpoint by name (docs/contract.md §14): the name is checked, the folder must be
/// inside the models root, the name is reserved (so a second load of it is refused at once), the model is read and
/// compiled off the cooperative pool, then committed to the registry, which unloads the least recently used
/// models to make room. A model that cannot be read leaves the others serving.
public struct MultiModelLoader: Sendable {
    public let configuration: BerthConfiguration
    public let registry: ModelRegistry
    public let backend: any Backend
    /// Loads, evictions and the models held; every model's requests are measured here too (without its name, which
    /// would make a series per model).
    public let metrics: RuntimeMetrics
    private let modelMetrics: MultiModelMetrics

    public init(configuration: BerthConfiguration, registry: ModelRegistry, backend: any Backend, metrics: RuntimeMetrics = .disabled) {
        self.configuration = configuration
        self.registry = registry
        self.backend = backend
        self.metrics = metrics
        modelMetrics = MultiModelMetrics(factory: metrics.factory)
        modelMetrics.recordModels(in: registry)
    }

    /// Why a load was refused; the server maps each to a status.
    public enum Failure: Error, Sendable, Equatable {
        /// Empty, longer than 1024 bytes, holding a `/` or a control character.
        case invalidName
        /// Outside the models root.
        case outsideModelsRoot(url: String)
        /// Inside the models root, but nothing is there.
        case missingFolder(url: String)
        /// Inside the models root, but a file rather than a folder.
        case notAFolder(url: String)
        /// Already loaded, or being loaded.
        case alreadyLoaded(name: String)
        /// The folder holds no model that can be served; `reason` says why.
        case unreadable(name: String, reason: String)
        /// Larger than the whole memory budget (`BERTH_MODELS_MEMORY_MB`).
        case overBudget(name: String, bytes: Int, budget: Int)
    }

    /// Loads the model in `url` as `name`; `targetModel` is the `X-Amzn-SageMaker-Target-Model` the logs name it by
    /// (MME-7). Evictions and the load are logged.
    public func load(name: String, url: String, targetModel: String?, logger: Logger) async throws(Failure) -> ServedModel {
        let clock = ContinuousClock()
        let start = clock.now
        guard Self.isValidName(name) else { throw .invalidName }
        let directory: String
        switch ModelsRoot(configuration.multiModel.modelsRoot).resolve(url) {
        case .folder(let folder): directory = folder
        case .missing: throw .missingFolder(url: url)
        case .notAFolder: throw .notAFolder(url: url)
        case .outside: throw .outsideModelsRoot(url: url)
        }
        do {
            try registry.reserve(name)
        } catch {
            throw .alreadyLoaded(name: name)
        }
        var modelConfiguration = configuration
        modelConfiguration.model.directory = directory
        modelConfiguration.model.expectedSHA256 = nil  // pins the single model of `serve`, not the models loaded by name
        let model: ServedModel
        do {
            model = try await ModelLoader(configuration: modelConfiguration, backend: backend, metrics: metrics).loadInBackground(logger: logger)
        } catch {
            registry.cancel(name)
            metrics.recordLoad(clock.now - start, succeeded: false)
            logger.warning("model load failed", metadata: ["model": .string(name), "url": .string(url), "reason": .string(error.description)])
            throw .unreadable(name: name, reason: error.description)
        }
        let evicted: [ModelRegistry.Entry]
        do {
            evicted = try registry.commit(name: name, url: url, targetModel: targetModel, model: model)
        } catch {
            metrics.recordLoad(clock.now - start, succeeded: false)
            logger.warning("model too large for the memory budget", metadata: [
                "model": .string(name), "bytes": .stringConvertible(model.residentBytes), "budget": .stringConvertible(registry.budgetBytes),
            ])
            throw .overBudget(name: name, bytes: model.residentBytes, budget: registry.budgetBytes)
        }
        for entry in evicted {
            var metadata: Logger.Metadata = ["model": .string(entry.name), "bytes": .stringConvertible(entry.bytes),
                                             "reason": .string("least recently used, to make room for \(name)")]
            if let target = entry.targetModel { metadata["target_model"] = .string(target) }
            logger.info("model evicted", metadata: metadata)
        }
        let elapsed = clock.now - start
        metrics.recordLoad(elapsed, succeeded: true)
        modelMetrics.recordRemovals(evicted: evicted.count)
        modelMetrics.recordModels(in: registry)
        var metadata: Logger.Metadata = [
            "model": .string(name), "url": .string(url), "bytes": .stringConvertible(model.residentBytes),
            "sha256": .string(model.summary.sha256), "format": .string(model.summary.format.description), "objective": .string(model.summary.objective),
            "load_ms": .stringConvertible(Int(elapsed.inSeconds * 1000)),
            "used_bytes": .stringConvertible(registry.usedBytes), "budget_bytes": .stringConvertible(registry.budgetBytes),
        ]
        if let targetModel { metadata["target_model"] = .string(targetModel) }
        logger.info("model loaded", metadata: metadata)
        return model
    }

    /// Unloads `name`; nil when it is not loaded. Requests already running keep the model until they finish.
    public func unload(_ name: String) -> ModelRegistry.Entry? {
        guard let entry = registry.unload(name) else { return nil }
        modelMetrics.recordRemovals(unloaded: 1)
        modelMetrics.recordModels(in: registry)
        return entry
    }

    /// 1 to 1024 bytes of printable characters without `/`: a name that is safe in a URL path and in a log.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 1024 && !name.contains("/")
            && name.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
    }
}
