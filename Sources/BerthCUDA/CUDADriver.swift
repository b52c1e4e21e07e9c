import CCUDA

/// The CUDA driver API, opened with `dlopen` at run time through the `CCUDA` shim.
///
/// One instance per process is enough; it is never closed, because the driver keeps per-process state and
/// unloading it under a live context is undefined. Every call goes through `check`, which turns a `CUresult`
/// into a `CUDAUnavailable` that names the call and the driver's own error name and text.
public final class CUDADriver: @unchecked Sendable {
    /// The soname the NVIDIA container runtime injects.
    public static let libraryName = "libcuda.so.1"

    let table: ccuda_driver

    /// Opens the driver at `path` and resolves every entry point (`CUDADevice` initialises it).
    public init(path: String = CUDADriver.libraryName) throws(CUDAUnavailable) {
        var table = ccuda_driver()
        var message = [CChar](repeating: 0, count: 1024)
        switch ccuda_open_driver(path, &table, &message, message.count) {
        case CCUDA_OPENED:
            break
        case CCUDA_SYMBOL_MISSING:
            throw CUDAUnavailable(.symbolMissing, "\(Self.text(message)): not a usable CUDA driver")
        default:
            throw CUDAUnavailable(.libraryNotFound, Self.notFound(path: path, loaderMessage: Self.text(message)))
        }
        self.table = table
    }

    /// The driver's CUDA version, e.g. (13, 0).
    public func version() throws(CUDAUnavailable) -> (major: Int, minor: Int) {
        var version: Int32 = 0
        try check(table.cuDriverGetVersion(&version), "cuDriverGetVersion")
        return (Int(version) / 1000, Int(version) % 1000 / 10)
    }

    /// Throws unless `result` is CUDA_SUCCESS, with a kind chosen from the error code.
    func check(_ result: ccuda_result, _ call: String) throws(CUDAUnavailable) {
        guard result != 0 else { return }
        throw CUDAUnavailable(Self.kind(of: result), "\(call) failed: \(errorText(result))")
    }

    /// "CUDA_ERROR_OUT_OF_MEMORY (out of memory)", from the driver itself.
    func errorText(_ result: ccuda_result) -> String {
        var name: UnsafePointer<CChar>?
        var text: UnsafePointer<CChar>?
        _ = table.cuGetErrorName(result, &name)
        _ = table.cuGetErrorString(result, &text)
        let nameText = name.map { String(cString: $0) } ?? "CUresult \(result)"
        return text.map { "\(nameText) (\(String(cString: $0)))" } ?? nameText
    }

    /// Driver error codes from cuda.h that deserve their own kind.
    static func kind(of result: ccuda_result) -> CUDAUnavailable.Kind {
        switch result {
        case 2: .outOfMemory            // CUDA_ERROR_OUT_OF_MEMORY
        case 100: .noDevice             // CUDA_ERROR_NO_DEVICE
        case 35, 222: .driverTooOld     // CUDA_ERROR_INSUFFICIENT_DRIVER, CUDA_ERROR_UNSUPPORTED_PTX_VERSION
        case 200, 209, 218: .compileFailed // INVALID_IMAGE, NO_BINARY_FOR_GPU, INVALID_PTX
        default: .driverError
        }
    }

    static func notFound(path: String, loaderMessage: String) -> String {
        guard path == libraryName else { return loaderMessage }
        return "\(libraryName) not found (no NVIDIA driver in this container)"
    }

    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
