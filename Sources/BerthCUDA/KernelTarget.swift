/// What NVRTC compiles a kernel into for one GPU.
///
/// Machine code (a cubin) for the device's own architecture when NVRTC knows it: the driver loads it without
/// compiling, so it runs even when the host driver is older than NVRTC (CUDA's minor-version compatibility; PTX
/// from a newer NVRTC would be refused as "unsupported toolchain"). Otherwise PTX for the newest architecture
/// NVRTC knows, which a driver new enough for that GPU compiles forward.
public struct KernelTarget: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case cubin
        case ptx
    }

    public let kind: Kind
    /// Compute capability as major × 10 + minor.
    public let architecture: Int

    public init(_ kind: Kind, architecture: Int) {
        self.kind = kind
        self.architecture = architecture
    }

    /// The NVRTC option that selects this target.
    var option: String {
        kind == .cubin ? "--gpu-architecture=sm_\(architecture)" : "--gpu-architecture=compute_\(architecture)"
    }

    public var description: String {
        kind == .cubin ? "sm_\(architecture) machine code" : "compute_\(architecture) PTX"
    }

    /// Whether `image` looks like what this target produces: an ELF file, or PTX text with a kernel in it.
    func accepts(_ image: [UInt8]) -> Bool {
        switch kind {
        case .cubin: image.starts(with: [0x7F, 0x45, 0x4C, 0x46])
        case .ptx: String(decoding: image, as: UTF8.self).contains(".entry")
        }
    }
}
