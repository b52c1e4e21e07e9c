import CCUDA

/// The GPU Berth serves on: the first device the driver shows, with its primary context.
///
/// The driver applies `CUDA_VISIBLE_DEVICES` itself when it initialises, so "first" means the first one this
/// container was given; a value that hides every GPU is named in the error. Methods make the context current on
/// the calling thread first, because the driver API's context is per thread and Swift's threads are not ours.
public final class CUDADevice: @unchecked Sendable {
    public let driver: CUDADriver
    let handle: ccuda_device
    let context: ccuda_context
    public let name: String
    /// Compute capability as major × 10 + minor (90 for 9.0).
    public let computeCapability: Int
    public let memoryBytes: Int
    /// The threads the device holds at once: multiprocessors × threads per multiprocessor (270,336 on an H200).
    /// A launch of fewer threads leaves it partly idle.
    public let residentThreads: Int
    public let driverVersion: (major: Int, minor: Int)

    /// Binds the first visible device; `visibleDevices` is `CUDA_VISIBLE_DEVICES`, only used to explain "no device".
    public init(driver: CUDADriver, visibleDevices: String?) throws(CUDAUnavailable) {
        self.driver = driver
        let table = driver.table
        driverVersion = try driver.version()
        // cuInit reports CUDA_ERROR_NO_DEVICE (100) itself when CUDA_VISIBLE_DEVICES leaves nothing to see.
        let initResult = table.cuInit(0)
        if initResult != 0 && initResult != 100 { try driver.check(initResult, "cuInit") }
        var count: Int32 = 0
        if initResult == 0 {
            let countResult = table.cuDeviceGetCount(&count)
            if countResult != 0 && countResult != 100 { try driver.check(countResult, "cuDeviceGetCount") }
        }
        guard count > 0 else {
            if let visibleDevices {
                throw CUDAUnavailable(.noDevice, "the CUDA driver sees no GPU: CUDA_VISIBLE_DEVICES=\(visibleDevices) hides every device")
            }
            throw CUDAUnavailable(.noDevice, "the CUDA driver (\(driverVersion.major).\(driverVersion.minor)) sees no GPU")
        }
        var device: ccuda_device = 0
        try driver.check(table.cuDeviceGet(&device, 0), "cuDeviceGet")
        handle = device
        var nameBuffer = [CChar](repeating: 0, count: 256)
        try driver.check(table.cuDeviceGetName(&nameBuffer, Int32(nameBuffer.count), device), "cuDeviceGetName")
        name = CUDADriver.text(nameBuffer)
        func attribute(_ id: Int32, _ label: String) throws(CUDAUnavailable) -> Int {
            var value: Int32 = 0
            try driver.check(table.cuDeviceGetAttribute(&value, id, device), "cuDeviceGetAttribute(\(label))")
            return Int(value)
        }
        // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR.
        computeCapability = try attribute(75, "compute capability major") * 10 + attribute(76, "compute capability minor")
        // CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT / _MAX_THREADS_PER_MULTIPROCESSOR.
        residentThreads = try attribute(16, "multiprocessor count") * attribute(39, "threads per multiprocessor")
        var bytes = 0
        try driver.check(table.cuDeviceTotalMem_v2(&bytes, device), "cuDeviceTotalMem")
        memoryBytes = bytes
        var context: ccuda_context?
        try driver.check(table.cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain")
        guard let context else { throw CUDAUnavailable(.driverError, "cuDevicePrimaryCtxRetain returned no context") }
        self.context = context
    }

    deinit {
        _ = driver.table.cuDevicePrimaryCtxRelease_v2(handle)
    }

    /// "NVIDIA H100 80GB HBM3, compute 9.0, 79 GiB, driver 13.0": the startup line's detail.
    public var summary: String {
        "\(name), compute \(computeCapability / 10).\(computeCapability % 10), \(memoryBytes >> 30) GiB, "
            + "driver \(driverVersion.major).\(driverVersion.minor)"
    }

    /// Makes this device's context current on the calling thread.
    func makeCurrent() throws(CUDAUnavailable) {
        try driver.check(driver.table.cuCtxSetCurrent(context), "cuCtxSetCurrent")
    }

    /// Loads a compiled kernel image — a cubin, or PTX that the driver compiles for this GPU — and finds
    /// `entryPoints` in it.
    func loadModule(image: [UInt8], kind: KernelTarget.Kind, entryPoints: [String]) throws(CUDAUnavailable) -> CUDAModule {
        try makeCurrent()
        var module: ccuda_module?
        // PTX is read as a C string.
        let bytes = kind == .ptx ? image + [0] : image
        let result = bytes.withUnsafeBytes { driver.table.cuModuleLoadData(&module, $0.baseAddress) }
        if result == 222 {
            throw CUDAUnavailable(.driverTooOld, """
                the driver (\(driverVersion.major).\(driverVersion.minor)) is older than the NVRTC that compiled the kernels' \
                PTX: use an image whose CUDA is not newer than the host driver, or point BERTH_NVRTC_PATH at an older NVRTC
                """)
        }
        try driver.check(result, "cuModuleLoadData")
        guard let module else { throw CUDAUnavailable(.driverError, "cuModuleLoadData returned no module") }
        var functions = [String: ccuda_function]()
        for entryPoint in entryPoints {
            var function: ccuda_function?
            try driver.check(driver.table.cuModuleGetFunction(&function, module, entryPoint), "cuModuleGetFunction(\(entryPoint))")
            functions[entryPoint] = function
        }
        return CUDAModule(device: self, module: module, functions: functions)
    }

    /// Launches `function` on a two-dimensional `grid` of `block`s; every argument is 8 bytes (a device pointer
    /// or a 64-bit integer), as Berth's kernels declare them.
    func launch(_ function: ccuda_function, grid: (x: Int, y: Int), block: (x: Int, y: Int), stream: ccuda_stream?,
                arguments: [UInt64]) throws(CUDAUnavailable) {
        var values = arguments
        let result = values.withUnsafeMutableBufferPointer { buffer in
            var pointers: [UnsafeMutableRawPointer?] = (0..<buffer.count).map { UnsafeMutableRawPointer(buffer.baseAddress! + $0) }
            return pointers.withUnsafeMutableBufferPointer { pointerBuffer in
                driver.table.cuLaunchKernel(function, UInt32(grid.x), UInt32(grid.y), 1, UInt32(block.x), UInt32(block.y), 1, 0,
                                            stream, pointerBuffer.baseAddress, nil)
            }
        }
        try driver.check(result, "cuLaunchKernel")
    }

    /// Launches `function` with a thread for each of `threads`, `threadsPerBlock` to a block of a one-dimensional
    /// grid: the shape of Berth's forest kernels, whose threads past the last return at once.
    func launch(_ function: ccuda_function, threads: Int, threadsPerBlock: Int, stream: ccuda_stream?, arguments: [UInt64]) throws(CUDAUnavailable) {
        try launch(function, grid: ((threads + threadsPerBlock - 1) / threadsPerBlock, 1), block: (threadsPerBlock, 1), stream: stream,
                   arguments: arguments)
    }

    /// Zeroes `byteCount` bytes of device memory at `address`, in order with the work queued on `stream`.
    func zero(_ address: ccuda_device_pointer, byteCount: Int, stream: ccuda_stream?) throws(CUDAUnavailable) {
        try driver.check(driver.table.cuMemsetD8Async(address, 0, byteCount, stream), "cuMemsetD8Async")
    }
}

/// A loaded kernel program; unloaded when the last model using it goes away.
final class CUDAModule: @unchecked Sendable {
    let device: CUDADevice
    let module: ccuda_module
    let functions: [String: ccuda_function]

    init(device: CUDADevice, module: ccuda_module, functions: [String: ccuda_function]) {
        self.device = device
        self.module = module
        self.functions = functions
    }

    deinit {
        if (try? device.makeCurrent()) != nil { _ = device.driver.table.cuModuleUnload(module) }
    }
}
