import BerthArtifacts
import BerthCodecs
import BerthCore
import BerthFormats
import BerthOpenInference
import Logging

/// Start-up's road (docs/architecture.md): artifact → model files → IR → compiled model → warm-up prediction.
///
/// Files whose bytes match no model format (a README, a `code/` folder) are skipped with a log line, as long as
/// at least one model is found; a file that is a model but cannot be read stops the load with its reason.
public struct ModelLoader: Sendable {
    public let configuration: BerthConfiguration
    public let backend: any Backend
    /// Where the served model's requests are measured.
    public let metrics: RuntimeMetrics

    public init(configuration: BerthConfiguration, backend: any Backend, metrics: RuntimeMetrics = .disabled) {
        self.configuration = configuration
        self.backend = backend
        self.metrics = metrics
    }

    /// Why the model could not be served; `description` is what `/ping` and the log say.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public func load(logger: Logger) throws(Failure) -> ServedModel {
        let contents: ArtifactStore.Contents
        do {
            contents = try ArtifactStore(directory: configuration.model.directory, limits: configuration.model.artifactLimits).open()
        } catch {
            throw Failure(description: error.description)
        }
        // A pinned digest is checked before a byte is parsed; an unpinned one is only reported, and hashed meanwhile.
        var pinnedDigest: String?
        if let expected = configuration.model.expectedSHA256 {
            let digest = contents.sha256
            guard expected == digest else {
                throw Failure(description: """
                    the model artifact's SHA-256 is \(digest), but BERTH_EXPECT_SHA256 pins \(expected): deploy the artifact \
                    the pin names, or update BERTH_EXPECT_SHA256 to the new model's digest
                    """)
            }
            pinnedDigest = digest
        }
        let digest = BackgroundDigest(of: contents.files, known: pinnedDigest)
        for skipped in contents.skipped {
            logger.info("skipped a file in the model directory", metadata: ["file": .string(skipped)])
        }
        var candidates = contents.files
        let repository: TritonRepository?
        do {
            repository = try TritonRepository.find(in: contents.files, defaultModelName: configuration.model.tritonDefaultModelName)
        } catch {
            throw Failure(description: error.description)
        }
        if let repository {
            logger.info("Triton model repository", metadata: [
                "model": .string(repository.config.name), "version": .stringConvertible(repository.version),
                "file": .string(repository.modelFile.extractedPath), "not_read": .string(repository.otherFiles.joined(separator: ", ")),
                "fil_parameters_ignored": .string(repository.config.ignoredParameters.joined(separator: ", ")),
            ])
            candidates = [repository.modelFile]
        }
        var files = [(path: String, loaded: LoadedModel)]()
        var notModels = [String]()
        var readByExtractedPath = [String: ModelFile]()
        for file in candidates {
            // A model.tar.gz beside the files it was extracted to holds each of them again, at the same path once
            // extracted: one model, not an ensemble of two. (Copies under other names stay ensemble members, as the
            // official container averages every file it finds.)
            if let original = readByExtractedPath[file.extractedPath], original.bytes == file.bytes {
                logger.info("skipped a copy of another file", metadata: ["file": .string(file.path), "copy_of": .string(original.path)])
                continue
            }
            readByExtractedPath[file.extractedPath] = readByExtractedPath[file.extractedPath] ?? file
            guard ModelFormat.detect(file.bytes) != nil else {
                notModels.append(file.path)
                logger.info("skipped a file that is not a model", metadata: ["file": .string(file.path)])
                continue
            }
            do {
                files.append((file.path, try ModelReader.read(file: file.path, bytes: file.bytes, siblings: contents.sibling(of: file.path),
                                                              parallelism: configuration.compute.rowParallelism)))
            } catch {
                throw Failure(description: error.description)
            }
        }
        guard !files.isEmpty else {
            let first = candidates[0]
            throw Failure(description: ModelReadErrorText.noModel(directory: configuration.model.directory,
                                                                   files: notModels, firstBytes: first.bytes))
        }
        if !configuration.model.ensemble && files.count > 1 {
            logger.info("SAGEMAKER_INFERENCE_ENSEMBLE is false: serving only the first model file",
                        metadata: ["file": .string(files[0].path), "ignored": .string(files.dropFirst().map(\.path).joined(separator: ", "))])
            files = [files[0]]
        }

        // Checked before compiling: a wrong key or class count is a configuration mistake, found without the wait.
        let (meaning, classLabels) = try Self.labelled(files[0].loaded, configured: configuration.model.classLabels)
        var selection: OutputSelection?
        if let inferenceOutput = configuration.model.inferenceOutput {
            do {
                selection = try OutputSelection(parsing: inferenceOutput, meaning: meaning, classLabels: classLabels)
            } catch {
                throw Failure(description: "\(error.description) (objective \(files[0].loaded.objectiveName))")
            }
        }
        let model: any CompiledModel
        do {
            let members = try files.map { file throws(ModelValidationError) in try backend.compile(file.loaded.ir) }
            model = members.count == 1 ? members[0]
                : try EnsembleModel(members: members, combination: files[0].loaded.votes ? .mode : .mean)
        } catch {
            throw Failure(description: "the model cannot be served: \(error.reason)")
        }
        if let repository {
            do {
                try repository.config.check(featureCount: model.featureCount, meaning: files[0].loaded.meaning)
            } catch {
                throw Failure(description: error.description)
            }
        }
        let oneRow = FeatureBatch.allMissing(rowCount: 1, columnCount: model.featureCount)
        let warmUp = model.predict(oneRow)
        guard warmUp.rowCount == 1, warmUp.columnCount == model.outputCount else {
            throw Failure(description: "the warm-up prediction returned the wrong shape")
        }
        // Class names that do not match the answer's columns would label the wrong class, or none.
        if case .classProbabilities(let labels) = meaning, model.outputCount > 1, labels.count != model.outputCount {
            throw Failure(description: "the model names \(labels.count) classes but its probabilities have \(model.outputCount) columns")
        }
        // Timed after the warm-up, which pays for first touches: the pace a request's kernel time is estimated by.
        let paceStart = ContinuousClock.now
        _ = model.predict(oneRow)
        let pace = KernelPace(ContinuousClock.now - paceStart, rows: 1)
        var jsonDefault: OutputSelection?
        if files[0].loaded.format == .onnx, case .classProbabilities = meaning {
            jsonDefault = try? OutputSelection(parsing: "predicted_label,probabilities", meaning: meaning)
        }
        let first = files[0].loaded
        let summary = ModelSummary(files: files.map(\.path), sha256: digest.value, format: first.format, objective: first.objectiveName,
                                   kind: first.kind, writer: first.writerVersion,
                                   treeCount: files.reduce(0) { $0 + $1.loaded.treeCount }, meaning: meaning, classLabels: classLabels,
                                   schema: first.schema)
        let batching = BatchingChoice(configured: configuration.batching.enabled, maxRows: configuration.batching.maxRows,
                                       model: model)
        let batcher = batching.joins
            ? PredictionBatcher(model: model, maxRows: configuration.batching.maxRows,
                                maxConcurrentCalls: configuration.batching.maxConcurrentCalls
                                    ?? BatchingSettings.defaultConcurrentCalls(threadCount: configuration.compute.threadCount),
                                delay: configuration.batching.maxDelay, metrics: metrics, pace: pace)
            : nil
        return ServedModel(compiled: model, summary: summary, outputSelection: selection, defaultJSONSelection: jsonDefault,
                           batcher: batcher, batching: batching, metrics: metrics, triton: repository?.config, pace: pace)
    }

    /// The model's meaning with its classes named — by `BERTH_CLASS_LABELS` when set (its count must be the model's),
    /// else by the artifact — and the names a binary or `multi:softmax` classifier's meaning cannot carry.
    static func labelled(_ loaded: LoadedModel, configured: ClassLabels?) throws(Failure) -> (PredictionMeaning, ClassLabels?) {
        guard let labels = configured ?? loaded.classLabels else { return (loaded.meaning, nil) }
        let source = configured != nil ? "BERTH_CLASS_LABELS" : "the model file"
        guard let count = loaded.meaning.classCount else {
            throw Failure(description: "\(source) names \(labels.count) classes, but the model is not a classifier (objective \(loaded.objectiveName)): unset it")
        }
        guard labels.count == count else {
            throw Failure(description: "\(source) names \(labels.count) classes, but the model tells \(count) apart (objective \(loaded.objectiveName)): name each class once, in class order")
        }
        let meaning = loaded.meaning.relabelled(labels)
        if case .classProbabilities = meaning { return (meaning, nil) }
        return (meaning, labels)
    }

    /// Loads on a Dispatch thread, not on Swift's cooperative pool, which serves the HTTP handlers.
    public func loadInBackground(logger: Logger) async throws(Failure) -> ServedModel {
        try await offCooperativePool { () throws(Failure) in try load(logger: logger) }
    }
}

/// The startup error for a directory whose files are none of them models.
enum ModelReadErrorText {
    static func noModel(directory: String, files: [String], firstBytes: [UInt8]) -> String {
        """
            model directory \(directory) holds no model Berth can read: \(files.prefix(5).joined(separator: ", ")) \
            (first bytes of \(files.first ?? "?"): \(ModelReadError.leadingBytes(firstBytes))). Expected an XGBoost model saved with save_model \
            (JSON, UBJSON or the legacy binary xgboost-model), a LightGBM model.txt, a CatBoost model (.cbm or JSON), a pickled \
            or joblib-dumped XGBoost or LightGBM model, or an ONNX model (model.onnx), optionally gzipped or inside model.tar.gz
            """
    }
}
