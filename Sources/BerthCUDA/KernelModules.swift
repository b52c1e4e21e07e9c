import BerthCore
import Synchronization

/// The backend's kernels, each obtained (from `KernelCache`, or compiled by NVRTC) and loaded onto the device when a
/// model first needs it, not all at start-up. NVRTC takes 0.1–0.25 s a kernel (0.8 s for all five, compiling for
/// compute 9.0 on the 2-core machine docs/gpu.md names), the GPU is bound before the port opens, and a model needs one
/// or two of them: an XGBoost forest the forest kernel, and the TreeSHAP kernel only once its contributions are asked
/// for. A kernel that fails to compile or load fails each model that needs it, with the same message.
final class KernelModules: Sendable {
    let device: CUDADevice
    let nvrtc: NVRTC
    let target: KernelTarget
    /// Nil where `TMPDIR` is under /opt/ml: every kernel is compiled.
    let cache: KernelCache?
    /// Each kernel's module (or failure) by the kernel's name, made once: distinct kernels may compile at once.
    private let loaded = Mutex<[String: ComputedOnce<Result<CUDAModule, CUDAUnavailable>>]>([:])

    init(device: CUDADevice, nvrtc: NVRTC, target: KernelTarget, cache: KernelCache?) {
        self.device = device
        self.nvrtc = nvrtc
        self.target = target
        self.cache = cache
    }

    /// `source`'s module on the device: loaded by the first call (others wait), then kept, as is a failure.
    func module(_ source: CUDAKernelSource) throws(CUDAUnavailable) -> CUDAModule {
        let once = loaded.withLock { loaded in
            if let once = loaded[source.name] { return once }
            let once = ComputedOnce<Result<CUDAModule, CUDAUnavailable>>()
            loaded[source.name] = once
            return once
        }
        return try once.value { Result { () throws(CUDAUnavailable) in try load(source) } }.get()
    }

    /// How the kernels are obtained, for the startup line.
    var origin: String {
        let compiler = "NVRTC \(nvrtc.version.major).\(nvrtc.version.minor)"
        guard let cache else { return "\(target) compiled by \(compiler) as models need them (TMPDIR is under /opt/ml: not cached)" }
        return "\(target) from \(cache.directory), else compiled by \(compiler) as models need them"
    }

    private func load(_ source: CUDAKernelSource) throws(CUDAUnavailable) -> CUDAModule {
        let image: [UInt8]
        if let cache {
            image = try cache.image(for: source, target: target, nvrtc: nvrtc).image
        } else {
            image = try nvrtc.compile(source, target: target)
        }
        return try device.loadModule(image: image, kind: target.kind, entryPoints: source.entryPoints)
    }
}
