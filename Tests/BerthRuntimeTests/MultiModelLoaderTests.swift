import BerthCore
@testable import BerthRuntime
import BerthTestSupport
import Foundation
import Logging
import Testing

/// Multi-model loads without HTTP: which folders may be read, which names are taken, and what each refusal says.
@Suite final class MultiModelLoaderTests {
    let root = NSTemporaryDirectory() + "berth-models-" + UUID().uuidString

    init() throws {
        try FileManager.default.createDirectory(atPath: root + "/inside", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "-sibling", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/escape", withDestinationPath: "/etc")
        try FileManager.default.copyItem(atPath: Fixtures.root + "/xgboost-binary-legacy/model", toPath: root + "/model")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
        try? FileManager.default.removeItem(atPath: root + "-sibling")
    }

    @Test func onlyFoldersInsideTheRootResolve() {
        let models = ModelsRoot(root)
        guard case .folder(let inside) = models.resolve(root + "/inside") else { Issue.record("inside"); return }
        #expect(inside.hasSuffix("/inside"))
        #expect(models.resolve(root + "/inside/../inside") == .folder(inside))
        guard case .folder = models.resolve(root) else { Issue.record("the root itself"); return }
        #expect(models.resolve(root + "/escape") == .outside, "a link leaving the root")
        #expect(models.resolve(root + "/../" + (root as NSString).lastPathComponent + "-sibling") == .outside, "a sibling sharing the prefix")
        #expect(models.resolve(root + "/missing") == .missing)
        #expect(models.resolve(root + "/../missing") == .outside, "a missing path outside the root is outside")
        #expect(models.resolve(root + "/escape/passwd") == .outside)
        #expect(models.resolve(root + "/escape/no-such-file") == .outside, "whether a file outside the root exists is not told")
        #expect(models.resolve(root + "/inside/a/b") == .missing)
        #expect(models.resolve(root + "/model/xgboost-model") == .notAFolder)
        #expect(models.resolve("/etc") == .outside)
    }

    /// A name is loading from its reservation until its load is committed or cancelled (what `/v2/models/{name}/ready`
    /// answers 503 for, rather than 404).
    @Test func aReservedNameIsLoadingUntilCommittedOrCancelled() throws {
        let registry = ModelRegistry(budgetBytes: 1 << 30)
        #expect(!registry.isLoading("a"))
        try registry.reserve("a")
        #expect(registry.isLoading("a") && registry.use("a") == nil)
        registry.cancel("a")
        #expect(!registry.isLoading("a"))
    }

    @Test func loadsRefuseBadNamesFoldersAndRepeatsThenServe() async throws {
        var configuration = try BerthConfiguration(environment: [:], processorCount: 2)
        configuration.multiModel.modelsRoot = root
        configuration.model.expectedSHA256 = String(repeating: "0", count: 64)  // pins `serve`'s model, not these
        let loader = MultiModelLoader(configuration: configuration, registry: ModelRegistry(budgetBytes: 1 << 30), backend: CPUBackend())
        let logger = Logger(label: "test")
        for name in ["", "a/b", "tab\there", String(repeating: "x", count: 1025)] {
            await #expect(throws: MultiModelLoader.Failure.invalidName) { _ = try await loader.load(name: name, url: self.root + "/model", targetModel: nil, logger: logger) }
        }
        await #expect(throws: MultiModelLoader.Failure.outsideModelsRoot(url: "/etc")) {
            _ = try await loader.load(name: "a", url: "/etc", targetModel: nil, logger: logger)
        }
        let failure = await #expect(throws: MultiModelLoader.Failure.self) {
            _ = try await loader.load(name: "empty", url: self.root + "/inside", targetModel: nil, logger: logger)
        }
        guard case .unreadable(let name, _) = failure else { Issue.record("expected unreadable, got \(String(describing: failure))"); return }
        #expect(name == "empty")
        let model = try await loader.load(name: "legacy", url: root + "/model", targetModel: "legacy.tar.gz", logger: logger)
        #expect(model.featureCount == 12)
        #expect(loader.registry.entry("legacy")?.targetModel == "legacy.tar.gz")
        await #expect(throws: MultiModelLoader.Failure.alreadyLoaded(name: "legacy")) {
            _ = try await loader.load(name: "legacy", url: self.root + "/model", targetModel: nil, logger: logger)
        }
        let small = MultiModelLoader(configuration: configuration, registry: ModelRegistry(budgetBytes: 100), backend: CPUBackend())
        await #expect(throws: MultiModelLoader.Failure.overBudget(name: "legacy", bytes: model.residentBytes, budget: 100)) {
            _ = try await small.load(name: "legacy", url: self.root + "/model", targetModel: nil, logger: logger)
        }
        #expect(small.registry.usedBytes == 0)
    }
}
