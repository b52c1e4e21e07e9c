import BerthCore
import CCUDA

/// A dense layer of an ONNX graph on the GPU: weights and bias uploaded once at load, each multiplication run
/// through a `CUDALane` (rows in, products out). The layer's folded Add and activation run in the kernel;
/// every other operator between layers stays on the CPU, so each layer's input and output cross the bus; the
/// crossover measured at load decides whether that pays. Any CUDA error answers the call on the CPU layer instead,
/// reported once through `report`.
final class CUDADenseLayer: DenseLayer, @unchecked Sendable {
    static let tile = 16

    let inner: Int
    let columns: Int
    let cpu: any DenseLayer
    let report: @Sendable (String) -> Void
    let metrics: DeviceMetrics

    private let module: CUDAModule
    private let function: ccuda_function
    private let lanes: CUDALanePool
    private let weights: DeviceBuffer
    private let bias: DeviceBuffer
    private let hasBias: Bool
    private let addend: DeviceBuffer
    private let hasAddend: Bool
    /// The kernel's activation code (`CUDAKernelSource.denseLayer`) and LeakyRelu's slope.
    private let activation: UInt64
    private let alpha: Float

    var placement: Placement { .cuda }
    var residentBytes: Int { cpu.residentBytes }

    init(_ layer: DenseWeights, module: CUDAModule, lanes: CUDALanePool, cpu: any DenseLayer, metrics: DeviceMetrics,
         report: @escaping @Sendable (String) -> Void) throws(CUDAUnavailable) {
        guard let function = module.functions["berth_dense_layer"] else {
            throw CUDAUnavailable(.compileFailed, "the dense kernel has no entry point berth_dense_layer")
        }
        let device = module.device
        try device.makeCurrent()
        inner = layer.inner
        columns = layer.columns
        self.cpu = cpu
        self.report = report
        self.metrics = metrics
        self.module = module
        self.function = function
        self.lanes = lanes
        weights = try DeviceBuffer(device: device, copying: layer.weights)
        bias = try DeviceBuffer(device: device, copying: layer.bias)
        hasBias = !layer.bias.isEmpty
        addend = try DeviceBuffer(device: device, copying: layer.epilogue.addend)
        hasAddend = !layer.epilogue.addend.isEmpty
        (activation, alpha) = switch layer.epilogue.activation {
        case nil: (0, 0)
        case .relu: (1, 0)
        case .leakyRelu(let slope): (2, slope)
        case .sigmoid: (3, 0)
        case .tanh: (4, 0)
        }
    }

    func multiply(rows: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        do {
            try multiplyOnDevice(rows: rows, input: input, output: output)
        } catch {
            metrics.recordFallback(.denseLayer)
            report("the GPU failed a dense layer; it was computed on the CPU: \(error.message)")
            cpu.multiply(rows: rows, input: input, output: output)
        }
    }

    private func multiplyOnDevice(rows: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) throws(CUDAUnavailable) {
        let device = module.device
        try device.makeCurrent()
        let lane = try lanes.take()
        let products = try lane.run(rows: rows, inputWidth: inner, outputWidth: columns, input: input, output: Float.self) {
            chunkRows, inputAddress, outputAddress, stream throws(CUDAUnavailable) in
            try device.launch(function, grid: ((columns + Self.tile - 1) / Self.tile, (chunkRows + Self.tile - 1) / Self.tile),
                              block: (Self.tile, Self.tile), stream: stream, arguments: [
                                  inputAddress, weights.address, bias.address, outputAddress,
                                  UInt64(chunkRows), UInt64(inner), UInt64(columns), hasBias ? 1 : 0,
                                  addend.address, hasAddend ? 1 : 0, activation, Double(alpha).bitPattern,
                              ])
        }
        output.update(from: products.baseAddress!, count: rows * columns)
        lanes.giveBack(lane)
    }
}
