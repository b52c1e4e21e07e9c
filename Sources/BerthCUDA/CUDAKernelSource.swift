/// A CUDA C kernel held as source text, compiled by NVRTC for the GPU that is there when a model first needs it
/// (`KernelModules`).
///
/// Sources are plain strings so the binary needs no CUDA toolchain at build time; a test compiles every one of
/// `CUDAKernelSource.all` for compute 7.0, 8.0 and 9.0 on every CI run.
public struct CUDAKernelSource: Sendable, Equatable {
    /// The program name, used for the cache file and in errors.
    public let name: String
    /// The `extern "C"` kernels the program defines, looked up by name after loading.
    public let entryPoints: [String]
    public let code: String

    public init(name: String, entryPoints: [String], code: String) {
        self.name = name
        self.entryPoints = entryPoints
        self.code = code
    }

    /// Every kernel Berth compiles.
    public static let all = [treeEnsemble, treeSHAP, doubleForest, obliviousForest, denseLayer]
}
