import BerthCore
import BerthFormats
import BerthTestSupport
@testable import BerthCUDA
import Glibc
import Testing

/// Every kernel source compiles with NVRTC for the GPU generations SageMaker offers (V100 = compute 7.0,
/// A100 = 8.0, H100 = 9.0), on every CI run, without a GPU; the TreeSHAP kernel's atomic adds also for the oldest
/// architecture NVRTC targets.
@Suite struct KernelCompilationTests {
    static let architectures = [70, 80, 90]

    @Test(arguments: CUDAKernelSource.all, architectures)
    func compilesToPTX(_ source: CUDAKernelSource, architecture: Int) throws {
        let nvrtc = try NVRTCLocation.open()
        let ptx = String(decoding: try nvrtc.compile(source, target: KernelTarget(.ptx, architecture: architecture)), as: UTF8.self)
        #expect(ptx.contains(".target sm_\(architecture)"))
        for entryPoint in source.entryPoints {
            #expect(ptx.contains(".entry \(entryPoint)("), "\(source.name) has no entry \(entryPoint) in its PTX")
        }
    }

    /// Machine code goes through NVRTC's assembler as well, which checks what PTX alone does not (registers,
    /// instruction support on that architecture).
    @Test(arguments: CUDAKernelSource.all, architectures)
    func compilesToMachineCode(_ source: CUDAKernelSource, architecture: Int) throws {
        let nvrtc = try NVRTCLocation.open()
        let target = KernelTarget(.cubin, architecture: architecture)
        let cubin = try nvrtc.compile(source, target: target)
        #expect(target.accepts(cubin), "not an ELF file")
        for entryPoint in source.entryPoints {
            #expect(cubin.firstRange(of: Array(entryPoint.utf8)) != nil, "\(source.name) has no symbol \(entryPoint)")
        }
    }

    /// The TreeSHAP kernel adds doubles atomically: `atomicAdd` from compute 6.0, a compare-and-swap loop below, so
    /// that it compiles for the oldest GPU this NVRTC targets, as every kernel must for the backend to bind.
    @Test func treeSHAPAddsAtomicallyOnEveryArchitecture() throws {
        let nvrtc = try NVRTCLocation.open()
        let oldest = try #require(nvrtc.supportedArchitectures.min())
        try #require(oldest < 60, "NVRTC \(nvrtc.version) targets nothing older than compute 6.0: the fallback is not compiled")
        func ptx(_ architecture: Int) throws -> String {
            String(decoding: try nvrtc.compile(.treeSHAP, target: KernelTarget(.ptx, architecture: architecture)), as: UTF8.self)
        }
        let old = try ptx(oldest), current = try ptx(70)
        #expect(old.contains("atom.global.cas.b64") && !old.contains("atom.global.add.f64"))
        #expect(current.contains("atom.global.add.f64") && !current.contains("atom.global.cas.b64"))
        let machineCode = KernelTarget(.cubin, architecture: oldest)
        #expect(machineCode.accepts(try nvrtc.compile(.treeSHAP, target: machineCode)))
    }

    @Test func aSyntaxErrorFailsWithNVRTCsLog() throws {
        let nvrtc = try NVRTCLocation.open()
        let broken = CUDAKernelSource(name: "broken", entryPoints: ["broken"], code: """
            extern "C" __global__ void broken(float *x) { x[0] = undeclared_name + ; }
            """)
        do {
            _ = try nvrtc.compile(broken, target: KernelTarget(.ptx, architecture: 80))
            Issue.record("a kernel with a syntax error compiled")
        } catch {
            #expect(error.kind == .compileFailed)
            #expect(error.message.contains("could not compile kernel broken for compute_80 PTX"))
            #expect(error.message.contains("undeclared_name"), "NVRTC's log is missing: \(error.message)")
        }
    }

    @Test func aKnownGPUGetsItsOwnMachineCodeANewerOneTheNewestPTX() throws {
        let nvrtc = try NVRTCLocation.open()
        let supported = nvrtc.supportedArchitectures
        try #require(supported.contains(90), "NVRTC \(nvrtc.version) does not list compute 9.0")
        #expect(try nvrtc.target(for: 90) == KernelTarget(.cubin, architecture: 90))
        // A GPU newer than this NVRTC gets the newest PTX, which its (newer) driver compiles forward.
        #expect(try nvrtc.target(for: 1000) == KernelTarget(.ptx, architecture: supported.max()!))
        #expect(throws: CUDAUnavailable.self) { try nvrtc.target(for: 10) }
    }

    @Test func compiledKernelsAreCachedUnderTMPDIRAndReused() throws {
        let nvrtc = try NVRTCLocation.open()
        var template = Array("/tmp/berth-ptx-test-XXXXXX".utf8CString)
        let folder = String(cString: mkdtemp(&template)!)
        defer { removeTree(folder) }
        let cache = try #require(KernelCache(environment: ["TMPDIR": folder]))
        #expect(cache.directory == folder + "/berth-ptx")
        let target = KernelTarget(.cubin, architecture: 80)
        let first = try cache.image(for: .treeEnsemble, target: target, nvrtc: nvrtc)
        #expect(!first.cached)
        let second = try cache.image(for: .treeEnsemble, target: target, nvrtc: nvrtc)
        #expect(second.cached)
        #expect(second.image == first.image)
        // Another target is another entry.
        #expect(try !cache.image(for: .treeEnsemble, target: KernelTarget(.ptx, architecture: 80), nvrtc: nvrtc).cached)
        // A damaged entry is compiled again, not loaded.
        let path = cache.path(for: .treeEnsemble, target: target, nvrtcVersion: nvrtc.version)
        let file = try #require(fopen(path, "wb"))
        fputs("garbage", file)
        fclose(file)
        #expect(try !cache.image(for: .treeEnsemble, target: target, nvrtc: nvrtc).cached)
    }

    @Test func nothingIsCachedUnderOptML() {
        #expect(KernelCache(environment: ["TMPDIR": "/opt/ml/model/tmp"]) == nil)
        #expect(KernelCache(environment: ["TMPDIR": "/opt/ml"]) == nil)
        #expect(KernelCache(environment: [:])?.directory == "/tmp/berth-ptx")
        #expect(KernelCache(environment: ["TMPDIR": "/opt/mlx/"])?.directory == "/opt/mlx/berth-ptx")
    }

    /// Binding compiles nothing; each kernel is compiled (and cached) when a model first needs it: an XGBoost forest
    /// the forest kernel, its contributions the TreeSHAP kernel, a LightGBM forest its own, once each.
    @Test func kernelsAreCompiledAsModelsNeedThem() throws {
        var template = Array("/tmp/berth-lazy-kernels-XXXXXX".utf8CString)
        let folder = String(cString: mkdtemp(&template)!)
        defer { removeTree(folder) }
        let gpu = try EmulatedGPUTests().backend(.working, environment: ["TMPDIR": folder])
        #expect(cachedKernels(folder) == [])
        let version = "\(gpu.nvrtc.version.major).\(gpu.nvrtc.version.minor)"
        #expect(gpu.kernelOrigin == "sm_80 machine code from \(folder)/berth-ptx, else compiled by NVRTC \(version) as models need them")
        let xgboost = try FixtureModels.load("xgboost-binary-legacy")
        let forest = try gpu.compile(xgboost.ir)
        let batch = try FixtureModels.rows(for: xgboost.ir, rowCount: 20)
        _ = forest.predict(batch)
        _ = try gpu.compile(xgboost.ir)
        #expect(cachedKernels(folder) == ["berth_tree_ensemble"])
        _ = try forest.explain(batch, as: ExplanationKind.contributions)
        #expect(cachedKernels(folder) == ["berth_tree_ensemble", "berth_tree_shap"])
        _ = try gpu.compile(try FixtureModels.load("lightgbm-binary").ir)
        #expect(cachedKernels(folder) == ["berth_double_forest", "berth_tree_ensemble", "berth_tree_shap"])
    }

    /// The kernels cached under `folder`, by name.
    private func cachedKernels(_ folder: String) -> [String] {
        var names = [String]()
        guard let directory = opendir(folder + "/berth-ptx") else { return names }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix("berth_") { names.append(String(name.prefix { $0 != "-" })) }
        }
        closedir(directory)
        return names.sorted()
    }

    private func removeTree(_ folder: String) {
        let cacheFolder = folder + "/berth-ptx"
        if let directory = opendir(cacheFolder) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { unlink(cacheFolder + "/" + name) }
            }
            closedir(directory)
        }
        rmdir(cacheFolder)
        rmdir(folder)
    }
}

extension CUDAKernelSource: CustomTestStringConvertible {
    public var testDescription: String { name }
}
