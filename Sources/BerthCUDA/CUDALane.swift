#if canImport(Glibc)
import Glibc
#endif
import CCUDA
import NIOConcurrencyHelpers

/// What one batch in flight needs: two streams, pinned host buffers for its input and output rows, and their
/// device twins.
///
/// A batch is cut into chunks that alternate between the two streams, so one chunk's copies overlap the next
/// one's kernel; concurrent batches take separate lanes from a `CUDALanePool`, so they are in flight together.
/// Buffers grow to the largest batch seen (in powers of two) and are kept for the next one.
final class CUDALane: @unchecked Sendable {
    let device: CUDADevice
    let streams: [ccuda_stream]
    private(set) var rowCapacity = 0
    private(set) var hostRows: PinnedBuffer?
    private(set) var hostMargins: PinnedBuffer?
    private(set) var deviceRows: DeviceBuffer?
    private(set) var deviceMargins: DeviceBuffer?

    init(device: CUDADevice) throws(CUDAUnavailable) {
        self.device = device
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

    /// Runs `rows` rows of `inputWidth` floats from `input` through a kernel: the rows are copied into pinned
    /// memory, then, in chunks alternating between the two streams, copied to the device, handed to `launch` (which
    /// enqueues the kernel for that chunk on that stream: row count, device input, device output) and their
    /// `outputWidth` results copied back; one wait at the end. The results stay in the lane's pinned buffer,
    /// valid until the lane is given back.
    func run(rows: Int, inputWidth: Int, outputWidth: Int, input: UnsafeRawPointer,
             launch: (Int, ccuda_device_pointer, ccuda_device_pointer, ccuda_stream) throws(CUDAUnavailable) -> Void)
        throws(CUDAUnavailable) -> UnsafeBufferPointer<Float> {
        try reserve(rows: rows, featureCount: inputWidth, outputs: outputWidth)
        guard let hostRows, let hostMargins, let deviceRows, let deviceMargins else {
            throw CUDAUnavailable(.driverError, "a lane has no buffers")
        }
        let table = device.driver.table
        let inputRowBytes = inputWidth * MemoryLayout<Float>.stride
        let outputRowBytes = outputWidth * MemoryLayout<Float>.stride
        _ = memcpy(hostRows.pointer, input, rows * inputRowBytes)
        var chunkStart = 0
        var chunk = 0
        while chunkStart < rows {
            let chunkRows = min(Self.chunkRows, rows - chunkStart)
            let stream = streams[chunk % streams.count]
            let inputAddress = deviceRows.address + UInt64(chunkStart * inputRowBytes)
            let outputAddress = deviceMargins.address + UInt64(chunkStart * outputRowBytes)
            try device.driver.check(
                table.cuMemcpyHtoDAsync_v2(inputAddress, hostRows.pointer + chunkStart * inputRowBytes, chunkRows * inputRowBytes, stream),
                "cuMemcpyHtoDAsync")
            try launch(chunkRows, inputAddress, outputAddress, stream)
            try device.driver.check(
                table.cuMemcpyDtoHAsync_v2(hostMargins.pointer + chunkStart * outputRowBytes, outputAddress, chunkRows * outputRowBytes, stream),
                "cuMemcpyDtoHAsync")
            chunkStart += chunkRows
            chunk += 1
        }
        for stream in streams {
            try device.driver.check(table.cuStreamSynchronize(stream), "cuStreamSynchronize")
        }
        return UnsafeBufferPointer(start: hostMargins.pointer.assumingMemoryBound(to: Float.self), count: rows * outputWidth)
    }

    /// Grows the buffers to hold `rows` rows of `featureCount` floats and `outputs` margins each.
    private func reserve(rows: Int, featureCount: Int, outputs: Int) throws(CUDAUnavailable) {
        guard rows > rowCapacity else { return }
        var capacity = max(rowCapacity, 1024)
        while capacity < rows { capacity *= 2 }
        hostRows = nil
        hostMargins = nil
        deviceRows = nil
        deviceMargins = nil
        rowCapacity = 0
        let rowBytes = capacity * featureCount * MemoryLayout<Float>.stride
        let marginBytes = capacity * outputs * MemoryLayout<Float>.stride
        hostRows = try PinnedBuffer(device: device, byteCount: rowBytes)
        hostMargins = try PinnedBuffer(device: device, byteCount: marginBytes)
        deviceRows = try DeviceBuffer(device: device, byteCount: rowBytes)
        deviceMargins = try DeviceBuffer(device: device, byteCount: marginBytes)
        rowCapacity = capacity
    }
}

/// Lanes not in use, handed out one per batch and created when every lane is busy (so there are never more lanes
/// than batches ever in flight at once). A lane that saw an error is dropped, not returned.
final class CUDALanePool: @unchecked Sendable {
    private let device: CUDADevice
    private let idle = NIOLockedValueBox<[CUDALane]>([])

    init(device: CUDADevice) {
        self.device = device
    }

    func take() throws(CUDAUnavailable) -> CUDALane {
        if let lane = idle.withLockedValue({ $0.popLast() }) { return lane }
        return try CUDALane(device: device)
    }

    func giveBack(_ lane: CUDALane) {
        idle.withLockedValue { $0.append(lane) }
    }
}
