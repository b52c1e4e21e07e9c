/// Why the GPU cannot serve: every failure of the CUDA path, from a missing library to a kernel launch error.
///
/// Nothing on this path aborts. `BERTH_DEVICE=auto` turns one of these into the startup line
/// "CPU: <description>" and serves on the CPU; `BERTH_DEVICE=cuda` refuses to start with it.
public struct CUDAUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// `libcuda.so.1` (or NVRTC) cannot be opened: no driver injected, or not a GPU host.
        case libraryNotFound
        /// The library opened but lacks an entry point Berth needs: not the real driver, or far too old.
        case symbolMissing
        /// The driver sees no GPU (none installed, or `CUDA_VISIBLE_DEVICES` hides them all).
        case noDevice
        /// The driver is older than the CUDA version the kernels were compiled with.
        case driverTooOld
        /// Device or pinned host memory ran out.
        case outOfMemory
        /// NVRTC refused a kernel source, or the driver refused the compiled image.
        case compileFailed
        /// Any other driver error.
        case driverError
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
