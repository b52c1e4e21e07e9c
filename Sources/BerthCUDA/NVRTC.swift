#if canImport(Glibc)
import Glibc
#endif
import CCUDA

/// NVRTC, CUDA's run-time compiler, opened with `dlopen`: it turns Berth's kernel sources into machine code (or
/// PTX) for the GPU it finds, so one binary runs on every GPU generation the driver supports.
///
/// The library comes from the CUDA runtime image (`libnvrtc.so.12`), or wherever `BERTH_NVRTC_PATH` points
/// (a file, or a folder holding one: the `nvidia-cuda-nvrtc-cu12` wheel's `lib/`).
public final class NVRTC: @unchecked Sendable {
    /// The sonames tried in order: CUDA 13, 12, then 11.x.
    public static let libraryNames = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11.1",
                                      "libnvrtc.so.11.0", "libnvrtc.so"]
    /// Where CUDA installs them, for when `BERTH_NVRTC_PATH` is not set and the loader's path does not include it.
    static let toolkitFolder = "/usr/local/cuda/lib64"

    let table: ccuda_nvrtc
    /// The library that was opened.
    public let path: String
    public let version: (major: Int, minor: Int)

    /// Opens NVRTC from `configuredPath` (a file or a folder) when given, else the first of `libraryNames` the
    /// loader finds, or that is in CUDA's own library folder.
    public init(configuredPath: String? = nil) throws(CUDAUnavailable) {
        let candidates: [String]
        if let configuredPath, !configuredPath.isEmpty {
            candidates = Self.isDirectory(configuredPath)
                ? Self.libraryNames.map { configuredPath + "/" + $0 }
                : [configuredPath]
        } else {
            candidates = Self.libraryNames + Self.libraryNames.map { Self.toolkitFolder + "/" + $0 }
        }
        var failures = [String]()
        for candidate in candidates {
            var table = ccuda_nvrtc()
            var message = [CChar](repeating: 0, count: 1024)
            let status = ccuda_open_nvrtc(candidate, &table, &message, message.count)
            if status == CCUDA_OPENED {
                self.table = table
                path = candidate
                var major: Int32 = 0
                var minor: Int32 = 0
                _ = table.nvrtcVersion(&major, &minor)
                version = (Int(major), Int(minor))
                return
            }
            if status == CCUDA_SYMBOL_MISSING {
                throw CUDAUnavailable(.symbolMissing, "\(CUDADriver.text(message)): not a usable NVRTC library")
            }
            failures.append(CUDADriver.text(message))
        }
        let hint = configuredPath == nil
            ? "install CUDA's NVRTC (the nvidia/cuda runtime image has it) or set BERTH_NVRTC_PATH to libnvrtc.so or its folder"
            : "BERTH_NVRTC_PATH must name libnvrtc.so.13, .12 or .11.x, or the folder that holds it"
        throw CUDAUnavailable(.libraryNotFound, "NVRTC not found (\(failures.first ?? "no candidates")); \(hint)")
    }

    /// The virtual architectures this NVRTC can compile for (75 for compute 7.5), empty when it cannot say
    /// (before CUDA 11.2).
    public var supportedArchitectures: [Int] {
        guard let count = table.nvrtcGetNumSupportedArchs, let list = table.nvrtcGetSupportedArchs else { return [] }
        var number: Int32 = 0
        guard count(&number) == 0, number > 0 else { return [] }
        var architectures = [Int32](repeating: 0, count: Int(number))
        guard list(&architectures) == 0 else { return [] }
        return architectures.map(Int.init)
    }

    /// What to compile for a device of compute capability `device` (90 for 9.0): its own machine code when this
    /// NVRTC knows the architecture and can emit cubins, else PTX for the newest architecture it knows that is
    /// not newer than the device.
    public func target(for device: Int) throws(CUDAUnavailable) -> KernelTarget {
        let supported = supportedArchitectures
        let canEmitCubin = table.nvrtcGetCUBIN != nil && table.nvrtcGetCUBINSize != nil
        guard !supported.isEmpty else { return KernelTarget(canEmitCubin ? .cubin : .ptx, architecture: device) }
        if canEmitCubin && supported.contains(device) { return KernelTarget(.cubin, architecture: device) }
        guard let best = supported.filter({ $0 <= device }).max() else {
            let oldest = supported.min() ?? 0
            throw CUDAUnavailable(.compileFailed, """
                NVRTC \(version.major).\(version.minor) cannot compile for compute \(device / 10).\(device % 10) (its \
                oldest is \(oldest / 10).\(oldest % 10)); point BERTH_NVRTC_PATH at an older NVRTC (CUDA 12 still \
                supports compute 5.0 to 9.0)
                """)
        }
        return KernelTarget(.ptx, architecture: best)
    }

    /// Compiles `source` for `target`: cubin bytes, or PTX text (without a terminating NUL). A compile error
    /// carries NVRTC's log.
    public func compile(_ source: CUDAKernelSource, target: KernelTarget) throws(CUDAUnavailable) -> [UInt8] {
        var program: ccuda_nvrtc_program?
        try check(table.nvrtcCreateProgram(&program, source.code, source.name + ".cu", 0, nil, nil), "nvrtcCreateProgram")
        defer { _ = table.nvrtcDestroyProgram(&program) }
        let options = Self.options(target: target)
        var pointers = options.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        let result = pointers.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { rebound in
                table.nvrtcCompileProgram(program, Int32(rebound.count), rebound.baseAddress)
            }
        }
        guard result == 0 else {
            throw CUDAUnavailable(.compileFailed, """
                NVRTC \(version.major).\(version.minor) could not compile kernel \(source.name) for \(target): \
                \(errorText(result))\n\(log(program))
                """)
        }
        var size = 0
        var image: [CChar]
        switch target.kind {
        case .ptx:
            try check(table.nvrtcGetPTXSize(program, &size), "nvrtcGetPTXSize")
            image = [CChar](repeating: 0, count: size)
            try check(table.nvrtcGetPTX(program, &image), "nvrtcGetPTX")
            if image.last == 0 { image.removeLast() }
        case .cubin:
            guard let getSize = table.nvrtcGetCUBINSize, let get = table.nvrtcGetCUBIN else {
                throw CUDAUnavailable(.compileFailed, "NVRTC \(version.major).\(version.minor) cannot emit machine code")
            }
            try check(getSize(program, &size), "nvrtcGetCUBINSize")
            image = [CChar](repeating: 0, count: size)
            try check(get(program, &image), "nvrtcGetCUBIN")
        }
        return image.map { UInt8(bitPattern: $0) }
    }

    /// The compiler options: the target. (Multiply-adds are fused only where a kernel says so with `fmaf`, as the
    /// CPU kernels do; the tree kernel only adds.)
    static func options(target: KernelTarget) -> [String] {
        [target.option, "--fmad=false"]
    }

    private func log(_ program: ccuda_nvrtc_program?) -> String {
        var size = 0
        guard table.nvrtcGetProgramLogSize(program, &size) == 0, size > 1 else { return "" }
        var text = [CChar](repeating: 0, count: size)
        guard table.nvrtcGetProgramLog(program, &text) == 0 else { return "" }
        return CUDADriver.text(text)
    }

    private func check(_ result: ccuda_nvrtc_result, _ call: String) throws(CUDAUnavailable) {
        guard result != 0 else { return }
        throw CUDAUnavailable(result == 1 ? .outOfMemory : .compileFailed, "\(call) failed: \(errorText(result))")
    }

    private func errorText(_ result: ccuda_nvrtc_result) -> String {
        table.nvrtcGetErrorString(result).map { String(cString: $0) } ?? "nvrtcResult \(result)"
    }

    private static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
    }
}
