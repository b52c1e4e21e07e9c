import BerthArtifacts
import BerthCodecs
import BerthCore
@testable import BerthRuntime
import BerthTestSupport
import Dispatch
import Foundation
import Logging
import Testing

/// Loading decisions that depend on what else sits in the model directory.
@Suite final class ModelLoaderTests {
    let folder = NSTemporaryDirectory() + "berth-loader-" + UUID().uuidString

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    func copy(_ fixtureFile: String, as name: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.root + "/" + fixtureFile, toPath: folder + "/" + name)
    }

    func load(_ environment: [String: String] = [:]) throws(ModelLoader.Failure) -> ServedModel {
        var configuration = try! BerthConfiguration(environment: environment, processorCount: 2)
        configuration.model.directory = folder
        return try ModelLoader(configuration: configuration, backend: CPUBackend()).load(logger: Logger(label: "test"))
    }

    /// Class names that cannot label the answer's columns (an ONNX label branch naming 2 classes for 3
    /// probabilities, written by generate_onnx.py) stop the load: served, they would label the wrong class or trap.
    @Test func classNamesThatDoNotMatchTheProbabilitiesAreRefused() throws {
        try copy("onnx-class-names-mismatch/model/model.onnx", as: "model.onnx")
        let error = #expect(throws: ModelLoader.Failure.self) { try load() }
        #expect(error?.description.contains("the model names 2 classes but its probabilities have 3 columns") == true, "\(String(describing: error))")
    }

    @Test func filesThatAreNotModelsAreSkipped() throws {
        try copy("xgboost-binary-legacy/model/xgboost-model", as: "xgboost-model")
        try Data("how to use this model".utf8).write(to: URL(fileURLWithPath: folder + "/README.md"))
        let served = try load()
        #expect(served.summary.files == ["xgboost-model"])
    }

    @Test func onlyNonModelsIsAnErrorThatSaysWhatWasExpected() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        let error = #expect(throws: ModelLoader.Failure.self) { try load() }
        #expect(error?.description.contains("holds no model Berth can read: notes.txt") == true)
        #expect(error?.description.contains("save_model") == true)
    }

    /// The legacy fixture's digest, as `sha256sum xgboost-model` prints it.
    static let legacyDigest = "795854c441450489cf0d4ff8dba47c98313e858595930c0074786ed4ac7e8535"

    @Test func theArtifactsDigestIsRecorded() throws {
        try copy("xgboost-binary-legacy/model/xgboost-model", as: "xgboost-model")
        #expect(try load().summary.sha256 == Self.legacyDigest)
        #expect(try load(["BERTH_EXPECT_SHA256": Self.legacyDigest.uppercased()]).summary.sha256 == Self.legacyDigest)
    }

    @Test func aPinnedDigestRefusesAnyOtherArtifactNamingBoth() throws {
        try copy("xgboost-dart/model/model.ubj", as: "xgboost-model")
        let error = #expect(throws: ModelLoader.Failure.self) { try load(["BERTH_EXPECT_SHA256": Self.legacyDigest]) }
        #expect(error?.description.contains("BERTH_EXPECT_SHA256 pins \(Self.legacyDigest)") == true, "\(error?.description ?? "")")
        let actual = try load().summary.sha256
        #expect(actual != Self.legacyDigest && error?.description.contains(actual) == true)
    }

    /// The digest is hashed on a thread of its own: a load finishes even while every thread Dispatch's global queue
    /// will start is waiting (models loading at once on a small machine), where a hash queued there never started.
    @Test func aLoadFinishesWhileDispatchsThreadsAreAllWaiting() throws {
        try copy("xgboost-binary-legacy/model/xgboost-model", as: "xgboost-model")
        var configuration = try BerthConfiguration(environment: [:], processorCount: 2)
        configuration.model.directory = folder
        let loader = ModelLoader(configuration: configuration, backend: CPUBackend())
        let release = DispatchSemaphore(value: 0)
        let blockers = 4 * ProcessInfo.processInfo.activeProcessorCount
        for _ in 0..<blockers {
            DispatchQueue.global(qos: .userInitiated).async { release.wait() }
        }
        let digest = LockedState<String?>(nil)
        let finished = DispatchSemaphore(value: 0)
        Thread {
            let served = try? loader.load(logger: Logger(label: "test"))
            digest.withLock { $0 = served?.summary.sha256 }
            finished.signal()
        }.start()
        let outcome = finished.wait(timeout: .now() + 3)
        for _ in 0..<blockers { release.signal() }
        #expect(outcome == .success, "the load did not finish while Dispatch's threads waited")
        if outcome == .timedOut { finished.wait() }
        #expect(digest.withLock { $0 } == Self.legacyDigest)
    }

    @Test func aPinThatIsNotADigestIsAConfigurationError() {
        let error = #expect(throws: ConfigurationError.self) { try BerthConfiguration(environment: ["BERTH_EXPECT_SHA256": "795854c4"], processorCount: 1) }
        #expect(error?.description.hasPrefix("BERTH_EXPECT_SHA256=795854c4 is not valid: expected the artifact's SHA-256") == true)
    }

    /// Batching is on by default where a joined call is cheaper than its parts (a dense ONNX network), off where the
    /// kernel costs the same per row (trees); BERTH_BATCHING overrides either way.
    @Test func batchingFollowsTheModelUnlessSet() throws {
        func served(_ fixture: String, _ environment: [String: String] = [:]) throws -> ServedModel {
            var configuration = try BerthConfiguration(environment: environment, processorCount: 2)
            configuration.model.directory = Fixtures.root + "/" + fixture + "/model"
            return try ModelLoader(configuration: configuration, backend: CPUBackend()).load(logger: Logger(label: "test"))
        }
        // Dense layers: decided by what a joined call was measured to save (which a debug build's per-call costs
        // inflate, so only the wiring is checked here; JoinedCallSavingTests checks the rule).
        for fixture in ["onnx-mlp-gemm", "onnx-logistic-binary"] {
            let model = try served(fixture)
            #expect((model.batcher != nil) == model.batching.joins, "\(fixture)")
            #expect(model.batching.description.hasPrefix("a joined call saves "), "\(fixture): \(model.batching)")
        }
        for fixture in ["xgboost-binary-legacy", "onnx-random-forest-binary"] {
            let model = try served(fixture)
            #expect(model.batcher == nil, "\(fixture)")
            #expect(model.batching.description == "a row costs its kernel the same joined or not", "\(fixture)")
        }
        let forced = try served("xgboost-binary-legacy", ["BERTH_BATCHING": "true"])
        #expect(forced.batcher != nil && forced.batching.description == "BERTH_BATCHING=true")
        #expect(try served("onnx-mlp-gemm", ["BERTH_BATCHING": "false"]).batcher == nil)
        // A joined call capped at one row joins nothing, whatever it would save.
        let capped = try served("onnx-mlp-gemm", ["BERTH_MAX_BATCH_ROWS": "1"])
        #expect(capped.batcher == nil && capped.batching.description == "BERTH_MAX_BATCH_ROWS=1 joins no two requests")
    }

    @Test func ensembleCanBeSwitchedOff() throws {
        for fold in 0..<3 { try copy("xgboost-kfold-ensemble/model/xgboost-model-\(fold)", as: "xgboost-model-\(fold)") }
        #expect(try load().summary.files.count == 3)
        #expect(try load(["SAGEMAKER_INFERENCE_ENSEMBLE": "false"]).summary.files == ["xgboost-model-0"])
    }

    /// A model.tar.gz left beside the files it was extracted to holds the same model again at the same path: it is
    /// read once, one model (which explains), not an ensemble of two copies.
    @Test func aCopyOfAModelIsReadOnce() throws {
        try copy("xgboost-multiclass-ubjson/model/model.tar.gz", as: "model.tar.gz")
        let archive = try ArtifactStore(directory: folder).open()
        try Data(archive.files[0].bytes).write(to: URL(fileURLWithPath: folder + "/xgboost-model"))
        let served = try load()
        #expect(served.summary.files == ["model.tar.gz:xgboost-model"])
        let batch = FeatureBatch.allMissing(rowCount: 1, columnCount: served.compiled.featureCount)
        #expect(throws: Never.self) { try served.compiled.explain(batch, as: .contributions) }
        // A copy under another name is an ensemble member, as the official container averages every file.
        try Data(archive.files[0].bytes).write(to: URL(fileURLWithPath: folder + "/xgboost-model-copy"))
        #expect(try load().summary.files.count == 2)
    }

    @Test func modelsThatDisagreeCannotBeAnEnsemble() throws {
        try copy("xgboost-binary-legacy/model/xgboost-model", as: "a-model")
        try copy("xgboost-dart/model/model.ubj", as: "b-model")
        let error = #expect(throws: ModelLoader.Failure.self) { try load() }
        #expect(error?.description.contains("cannot be served as one ensemble") == true)
    }
}

/// `SAGEMAKER_INFERENCE_OUTPUT` is checked against the model's objective when it loads, not per request.
@Suite final class OutputSelectionLoadingTests {
    func load(_ fixture: String, _ selection: String) throws(ModelLoader.Failure) -> ServedModel {
        var configuration = try! BerthConfiguration(environment: ["SAGEMAKER_INFERENCE_OUTPUT": selection], processorCount: 2)
        configuration.model.directory = Fixtures.root + "/" + fixture + "/model"
        return try ModelLoader(configuration: configuration, backend: CPUBackend()).load(logger: Logger(label: "test"))
    }

    @Test func aKeyTheObjectiveDoesNotOfferStopsTheLoadNamingTheValidOnes() {
        #expect {
            _ = try load("xgboost-regression-json-gz", "predicted_score,probabilities")
        } throws: { error in
            let text = (error as? ModelLoader.Failure)?.description ?? ""
            return text.contains("'probabilities'") && text.contains("offers predicted_score") && text.contains("reg:squarederror")
        }
        #expect {
            _ = try load("xgboost-softmax-selectable", "probability")
        } throws: { error in
            (error as? ModelLoader.Failure)?.description.contains("predicted_label, labels, raw_score, raw_scores") == true
        }
        #expect(throws: ModelLoader.Failure.self) { _ = try load("xgboost-binary-legacy", "predicted_label,scores") }
    }

    @Test func keysAreReadInAnyCaseWithSpaces() throws {
        let served = try load("xgboost-binary-legacy", " Predicted_Label , probabilities")
        #expect(served.outputSelection?.keys == [.predictedLabel, .probabilities])
    }
}
