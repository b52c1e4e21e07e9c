#if canImport(Glibc)
import Glibc
#endif
import CCUDA
import NIOConcurrencyHelpers

/// What one batch in flight needs: two streams, pinned host buffers for its input and output rows, their device
/// twins, and device scratch memory for kernels that pass results to each other.
///
/// A batch is cut into chunks that alternate between the two streams, so one chunk's copies overlap the next
/// one's kernel; concurrent batches take separate lanes from a `CUDALanePool`, so they are in flight together.
/// Buffers grow to the largest input and output seen (in powers of two) and are kept for the next batch, of
/// whichever model or layer takes the lane.
final class CUDALane: @unchecked Sendable {
    let device: CUDADevice
    /// The cores the host's share of its batches may spread over (its pool's).
    let host: HostRowWork
    let streams: [ccuda_stream]
    private var hostInput: PinnedBuffer?
    private var hostOutput: PinnedBuffer?
    private var deviceInput: DeviceBuffer?
    private var deviceOutput: DeviceBuffer?
    private var deviceScratch: DeviceBuffer?

    init(device: CUDADevice, host: HostRowWork) throws(CUDAUnavailable) {
        self.device = device
        self.host = host
        try device.makeCurrent()
        var streams = [ccuda_stream]()
        for _ in 0..<2 {
            var stream: ccuda_stream?
            // CU_STREAM_NON_BLOCKING: no implicit synchronisation with the legacy default stream.
            let result = device.driver.table.cuStreamCreate(&stream, 1)
            if result != 0 {
                for created in streams { _ = device.driver.table.cuStreamDestroy_v2(created) }
                try device.driver.check(result, "cuStreamCreate")
            }
            if let stream { streams.append(stream) }
        }
        self.streams = streams
    }

    deinit {
        if (try? device.makeCurrent()) != nil {
            for stream in streams { _ = device.driver.table.cuStreamDestroy_v2(stream) }
        }
    }

    /// Rows per chunk: large enough to fill an H100 (132 SMs × 2,048 threads), small enough to overlap copies.
    static let chunkRows = 1 << 16

    /// Runs `rows` rows of `inputWidth` values (floats, or doubles for a double-precision kernel) from `input`
    /// through a kernel: the rows are copied into pinned memory (on several cores when there are many: `host`),
    /// then, in chunks alternating between the two streams, copied to the device, handed to `launch` (which enqueues
    /// the kernel for that chunk on that stream: row count, device input, device output) and their `outputWidth`
    /// results of type `Output` copied back; one wait at the end. The results stay in the lane's pinned buffer,
    /// valid until the lane is given back.
    func run<Input, Output>(rows: Int, inputWidth: Int, outputWidth: Int, input: UnsafePointer<Input>, output: Output.Type,
                            launch: (Int, ccuda_device_pointer, ccuda_device_pointer, ccuda_stream) throws(CUDAUnavailable) -> Void)
        throws(CUDAUnavailable) -> UnsafeBufferPointer<Output> {
        let table = device.driver.table
        let inputRowBytes = inputWidth * MemoryLayout<Input>.stride
        let outputRowBytes = outputWidth * MemoryLayout<Output>.stride
        try reserve(inputBytes: rows * inputRowBytes, outputBytes: rows * outputRowBytes)
        guard let hostInput, let hostOutput, let deviceInput, let deviceOutput else {
            throw CUDAUnavailable(.driverError, "a lane has no buffers")
        }
        host.copy(rows: rows, rowBytes: inputRowBytes, from: input, to: hostInput.pointer)
        var failure: CUDAUnavailable?
        var chunkStart = 0
        var chunk = 0
        do {
            while chunkStart < rows {
                let chunkRows = min(Self.chunkRows, rows - chunkStart)
                let stream = streams[chunk % streams.count]
                let inputAddress = deviceInput.address + UInt64(chunkStart * inputRowBytes)
                let outputAddress = deviceOutput.address + UInt64(chunkStart * outputRowBytes)
                try device.driver.check(
                    table.cuMemcpyHtoDAsync_v2(inputAddress, hostInput.pointer + chunkStart * inputRowBytes, chunkRows * inputRowBytes, stream),
                    "cuMemcpyHtoDAsync")
                try launch(chunkRows, inputAddress, outputAddress, stream)
                try device.driver.check(
                    table.cuMemcpyDtoHAsync_v2(hostOutput.pointer + chunkStart * outputRowBytes, outputAddress, chunkRows * outputRowBytes, stream),
                    "cuMemcpyDtoHAsync")
                chunkStart += chunkRows
                chunk += 1
            }
        } catch {
            failure = error
        }
        // Every stream is waited for, even after a failure: the buffers must not be freed (with the lane) under
        // copies still in flight.
        for stream in streams {
            let result = table.cuStreamSynchronize(stream)
            if result != 0 && failure == nil {
                failure = CUDAUnavailable(CUDADriver.kind(of: result), "cuStreamSynchronize failed: \(device.driver.errorText(result))")
            }
        }
        if let failure { throw failure }
        return UnsafeBufferPointer(start: hostOutput.pointer.assumingMemoryBound(to: Output.self), count: rows * outputWidth)
    }

    /// Device memory for what one batch's kernels pass to each other, at least `byteCount` bytes: grown in powers of
    /// two from 64 KiB and kept, like the transfer buffers.
    func scratch(byteCount: Int) throws(CUDAUnavailable) -> DeviceBuffer {
        if let deviceScratch, deviceScratch.byteCount >= byteCount { return deviceScratch }
        deviceScratch = nil
        let buffer = try DeviceBuffer(device: device, byteCount: Self.rounded(byteCount))
        deviceScratch = buffer
        return buffer
    }

    /// Grows the input buffers to at least `inputBytes` and the output buffers to at least `outputBytes` (in
    /// powers of two from 64 KiB), keeping what is already large enough.
    private func reserve(inputBytes: Int, outputBytes: Int) throws(CUDAUnavailable) {
        if inputBytes > (hostInput?.byteCount ?? 0) {
            hostInput = nil
            deviceInput = nil
            let bytes = Self.rounded(inputBytes)
            hostInput = try PinnedBuffer(device: device, byteCount: bytes)
            deviceInput = try DeviceBuffer(device: device, byteCount: bytes)
        }
        if outputBytes > (hostOutput?.byteCount ?? 0) {
            hostOutput = nil
            deviceOutput = nil
            let bytes = Self.rounded(outputBytes)
            hostOutput = try PinnedBuffer(device: device, byteCount: bytes)
            deviceOutput = try DeviceBuffer(device: device, byteCount: bytes)
        }
    }

    private static func rounded(_ bytes: Int) -> Int {
        var capacity = 1 << 16
        while capacity < bytes { capacity *= 2 }
        return capacity
    }
}

/// Lanes not in use, handed out one per batch and created when every lane is busy (so there are never more lanes
/// than batches ever in flight at once). A lane that saw an error is dropped, not returned.
final class CUDALanePool: @unchecked Sendable {
    let device: CUDADevice
    /// The cores a batch's host work may spread over.
    let host: HostRowWork
    private let idle = NIOLockedValueBox<[CUDALane]>([])

    init(device: CUDADevice, host: HostRowWork) {
        self.device = device
        self.host = host
    }

    func take() throws(CUDAUnavailable) -> CUDALane {
        if let lane = idle.withLockedValue({ $0.popLast() }) { return lane }
        return try CUDALane(device: device, host: host)
    }

    func giveBack(_ lane: CUDALane) {
        idle.withLockedValue { $0.append(lane) }
    }
}
