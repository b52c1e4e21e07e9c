import BerthCore
import CCUDA

/// A LightGBM forest on the GPU, compared and summed in double precision as LightGBM does: the
/// `PackedDoubleForest` uploaded once at load; a batch walked a thread per (row, output group), or, when that would
/// not fill the GPU, a thread per (tree, row) and then one per (row, group) adding the leaves (`ForestKernels`).
///
/// Rows go to the device as the doubles the request was written in (`featurePrecision` is `.float64`), through a
/// `CUDALane` in chunks over two streams, and the double margins come back. Averaging (LightGBM's random forests)
/// and the output transform run on the CPU with the CPU kernel's own code. Any CUDA error on the way is reported
/// once through `report` and the batch is answered by the CPU model instead: a request never fails because the
/// GPU did.
final class CUDADoubleForestModel: CUDAForestModel, @unchecked Sendable {
    let featureCount: Int
    let groupCount: Int
    let treeCount: Int
    let averagesIterations: Bool
    /// Values this close to zero are read as 0 (`DoubleForest.zeroThreshold`): LightGBM's rule, off for CatBoost.
    let zeroThreshold: Double
    let transform: DoubleOutputTransform
    let cpu: any CompiledModel
    let report: @Sendable (String) -> Void
    let metrics: DeviceMetrics

    private let module: CUDAModule
    /// Its kernels, and which way a batch takes.
    let kernels: ForestKernels
    private let lanes: CUDALanePool
    private let splits: DeviceBuffer
    private let roots: DeviceBuffer
    private let linearTrees: DeviceBuffer
    private let bitsetStarts: DeviceBuffer
    private let bitsetCounts: DeviceBuffer
    private let bitsetWords: DeviceBuffer
    private let leafValues: DeviceBuffer
    private let leafConstants: DeviceBuffer
    private let termStarts: DeviceBuffer
    private let termCounts: DeviceBuffer
    private let termFeatures: DeviceBuffer
    private let termCoefficients: DeviceBuffer

    var outputCount: Int { groupCount }
    var residentBytes: Int { cpu.residentBytes }
    var placement: Placement { .cuda }
    var featurePrecision: FeaturePrecision { .float64 }
    var outputPrecision: FeaturePrecision { .float64 }

    /// Uploads `packed`, the packing of `forest`; `cpu` is the same model compiled for the CPU.
    init(_ forest: DoubleForest, packed: PackedDoubleForest, module: CUDAModule, lanes: CUDALanePool, cpu: any CompiledModel,
         metrics: DeviceMetrics, report: @escaping @Sendable (String) -> Void) throws(CUDAUnavailable) {
        let device = module.device
        try device.makeCurrent()
        featureCount = forest.featureCount
        groupCount = forest.groupCount
        treeCount = forest.trees.count
        averagesIterations = forest.averagesIterations
        zeroThreshold = forest.zeroThreshold
        transform = forest.transform
        self.cpu = cpu
        self.report = report
        self.metrics = metrics
        self.module = module
        self.lanes = lanes
        kernels = try ForestKernels(.doubleForest, module: module, groupCount: groupCount, treeCount: treeCount,
                                    leafBytes: MemoryLayout<Double>.stride)
        splits = try DeviceBuffer(device: device, copying: packed.splits)
        roots = try DeviceBuffer(device: device, copying: packed.roots)
        linearTrees = try DeviceBuffer(device: device, copying: packed.linearTrees.map { $0 ? UInt8(1) : 0 })
        bitsetStarts = try DeviceBuffer(device: device, copying: packed.bitsetStarts)
        bitsetCounts = try DeviceBuffer(device: device, copying: packed.bitsetCounts)
        bitsetWords = try DeviceBuffer(device: device, copying: packed.bitsetWords)
        leafValues = try DeviceBuffer(device: device, copying: packed.leafValues)
        leafConstants = try DeviceBuffer(device: device, copying: packed.leafConstants)
        termStarts = try DeviceBuffer(device: device, copying: packed.termStarts)
        termCounts = try DeviceBuffer(device: device, copying: packed.termCounts)
        termFeatures = try DeviceBuffer(device: device, copying: packed.termFeatures)
        termCoefficients = try DeviceBuffer(device: device, copying: packed.termCoefficients)
    }

    static let kernel = DeviceMetrics.Kernel.doubleForest

    func predictOnDevice(_ batch: FeatureBatch) throws(CUDAUnavailable) -> Predictions {
        let rowCount = batch.rowCount
        let groups = groupCount
        var result = [Double](repeating: 0, count: rowCount * groups)
        guard rowCount > 0 else { return Predictions(rowCount: 0, columnCount: groups, doubles: result) }
        let iterations = Double(treeCount / groups)
        let averagesIterations = averagesIterations, transform = transform
        func averageAndTransform(_ margins: UnsafeBufferPointer<Double>) {
            result.withUnsafeMutableBufferPointer { output in
                lanes.host.transformRows(rowCount, margins: margins, marginsPerRow: groups, into: output, outputsPerRow: groups) {
                    rowGPUMargins, rowMargins in
                    _ = rowMargins.update(fromContentsOf: rowGPUMargins)
                    if averagesIterations {
                        for group in rowMargins.indices { rowMargins[group] /= iterations }
                    }
                    transform.apply(rowMargins)
                }
            }
        }
        let forest = [splits.address, roots.address, linearTrees.address, bitsetStarts.address, bitsetCounts.address, bitsetWords.address,
                      leafValues.address, leafConstants.address, termStarts.address, termCounts.address, termFeatures.address,
                      termCoefficients.address]
        try batch.wideValues.withUnsafeBufferPointer { rows throws(CUDAUnavailable) in
            try kernels.run(on: lanes, rows: rowCount, inputWidth: featureCount, outputWidth: groups, input: rows.baseAddress!,
                            output: Double.self) { chunkRows, rowsAddress, marginsAddress in
                forest + [rowsAddress, marginsAddress, UInt64(chunkRows), UInt64(featureCount), UInt64(groups), UInt64(treeCount),
                          zeroThreshold.bitPattern]
            } leavesArguments: { rowsAddress, leavesAddress in
                forest + [rowsAddress, leavesAddress, UInt64(rowCount), UInt64(featureCount), UInt64(treeCount), zeroThreshold.bitPattern]
            } sumsArguments: { leavesAddress, marginsAddress in
                [leavesAddress, marginsAddress, UInt64(rowCount), UInt64(groups), UInt64(treeCount)]
            } read: { margins in averageAndTransform(margins) }
        }
        return Predictions(rowCount: rowCount, columnCount: groups, doubles: result)
    }
}
