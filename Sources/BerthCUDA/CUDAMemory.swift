import CCUDA

/// Memory on the GPU, freed when the last reference goes.
final class DeviceBuffer: @unchecked Sendable {
    let device: CUDADevice
    let address: ccuda_device_pointer
    let byteCount: Int

    init(device: CUDADevice, byteCount: Int) throws(CUDAUnavailable) {
        self.device = device
        self.byteCount = max(byteCount, 16)
        var address: ccuda_device_pointer = 0
        try device.driver.check(device.driver.table.cuMemAlloc_v2(&address, self.byteCount), "cuMemAlloc(\(self.byteCount) bytes)")
        self.address = address
    }

    /// A buffer holding a copy of `values` (synchronous: used once, at load).
    convenience init<Element>(device: CUDADevice, copying values: [Element]) throws(CUDAUnavailable) {
        let bytes = values.count * MemoryLayout<Element>.stride
        try self.init(device: device, byteCount: bytes)
        guard bytes > 0 else { return }
        let result = values.withUnsafeBytes { device.driver.table.cuMemcpyHtoD_v2(address, $0.baseAddress, bytes) }
        try device.driver.check(result, "cuMemcpyHtoD")
    }

    deinit {
        if (try? device.makeCurrent()) != nil { _ = device.driver.table.cuMemFree_v2(address) }
    }
}

/// Page-locked host memory: what asynchronous copies need to overlap with kernels.
final class PinnedBuffer: @unchecked Sendable {
    let device: CUDADevice
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int

    init(device: CUDADevice, byteCount: Int) throws(CUDAUnavailable) {
        self.device = device
        self.byteCount = max(byteCount, 16)
        var pointer: UnsafeMutableRawPointer?
        try device.driver.check(device.driver.table.cuMemAllocHost_v2(&pointer, self.byteCount), "cuMemAllocHost(\(self.byteCount) bytes)")
        guard let pointer else { throw CUDAUnavailable(.outOfMemory, "cuMemAllocHost returned no memory") }
        self.pointer = pointer
    }

    deinit {
        if (try? device.makeCurrent()) != nil { _ = device.driver.table.cuMemFreeHost(pointer) }
    }
}
