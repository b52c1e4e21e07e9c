import CCUDA
import NIOConcurrencyHelpers

/// What one batch in flight needs: two streams, pinned host buffers for its rows and margins, and their device
/// twins.
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

    /// Grows the buffers to hold `rows` rows of `featureCount` floats and `outputs` margins each.
    func reserve(rows: Int, featureCount: Int, outputs: Int) throws(CUDAUnavailable) {
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
