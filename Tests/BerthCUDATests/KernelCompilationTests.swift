import BerthCUDA
import Glibc
import Testing

/// Every kernel source compiles with NVRTC for the GPU generations SageMaker offers (V100 = compute 7.0,
/// A100 = 8.0, H100 = 9.0), on every CI run, without a GPU.
@Suite struct KernelCompilationTests {
    static let architectures = [70, 80, 90]

    @Test(arguments: CUDAKernelSource.all, architectures)
    func compiles(_ source: CUDAKernelSource, architecture: Int) throws {
        let nvrtc = try NVRTCLocation.open()
        let ptx = try nvrtc.compile(source, architecture: architecture)
        #expect(ptx.contains(".target sm_\(architecture)"))
        for entryPoint in source.entryPoints {
            #expect(ptx.contains(".entry \(entryPoint)("), "\(source.name) has no entry \(entryPoint) in its PTX")
        }
    }

    @Test func aSyntaxErrorFailsWithNVRTCsLog() throws {
        let nvrtc = try NVRTCLocation.open()
        let broken = CUDAKernelSource(name: "broken", entryPoints: ["broken"], code: """
            extern "C" __global__ void broken(float *x) { x[0] = undeclared_name + ; }
            """)
        do {
            _ = try nvrtc.compile(broken, architecture: 80)
            Issue.record("a kernel with a syntax error compiled")
        } catch {
            #expect(error.kind == .compileFailed)
            #expect(error.message.contains("could not compile kernel broken for compute_80"))
            #expect(error.message.contains("undeclared_name"), "NVRTC's log is missing: \(error.message)")
        }
    }

    @Test func theArchitectureIsTheNewestNVRTCKnowsUpToTheDevice() throws {
        let nvrtc = try NVRTCLocation.open()
        let supported = nvrtc.supportedArchitectures
        try #require(!supported.isEmpty, "NVRTC \(nvrtc.version) does not list its architectures")
        #expect(try nvrtc.architecture(for: 90) == supported.filter { $0 <= 90 }.max())
        // A GPU newer than this NVRTC gets the newest PTX, which the driver compiles forward.
        #expect(try nvrtc.architecture(for: 1000) == supported.max())
        #expect(throws: CUDAUnavailable.self) { try nvrtc.architecture(for: 10) }
    }

    @Test func compiledPTXIsCachedUnderTMPDIRAndReused() throws {
        let nvrtc = try NVRTCLocation.open()
        var template = Array("/tmp/berth-ptx-test-XXXXXX".utf8CString)
        let folder = String(cString: mkdtemp(&template)!)
        defer { _ = try? removeTree(folder) }
        let cache = try #require(PTXCache(environment: ["TMPDIR": folder]))
        #expect(cache.directory == folder + "/berth-ptx")
        let first = try cache.ptx(for: .treeEnsemble, architecture: 80, nvrtc: nvrtc)
        #expect(!first.cached)
        let second = try cache.ptx(for: .treeEnsemble, architecture: 80, nvrtc: nvrtc)
        #expect(second.cached)
        #expect(second.ptx == first.ptx)
        // Another architecture is another entry.
        #expect(try !cache.ptx(for: .treeEnsemble, architecture: 90, nvrtc: nvrtc).cached)
    }

    @Test func nothingIsCachedUnderOptML() {
        #expect(PTXCache(environment: ["TMPDIR": "/opt/ml/model/tmp"]) == nil)
        #expect(PTXCache(environment: ["TMPDIR": "/opt/ml"]) == nil)
        #expect(PTXCache(environment: [:])?.directory == "/tmp/berth-ptx")
        #expect(PTXCache(environment: ["TMPDIR": "/opt/mlx/"])?.directory == "/opt/mlx/berth-ptx")
    }

    private func removeTree(_ folder: String) throws {
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
