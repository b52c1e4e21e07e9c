import BerthCore
import CCUDA

/// A CatBoost forest on the GPU: its oblivious trees uploaded once at load, compared in float32 and summed in double
/// as CatBoost does — a thread per (row, output) walking every tree for a large batch, and for one too small to fill
/// the GPU a thread per (tree, row) finding its leaf and then one per (row, output) adding them (`ForestKernels`).
///
/// Per batch, a `CUDALane` copies the float32 rows in and the double margins back, in chunks over two streams.
/// `margin · scale + bias` and the output transform run on the CPU with the CPU kernel's arithmetic. Any CUDA
/// error on the way is reported once through `report` and the batch is answered by the CPU model instead: a
/// request never fails because the GPU did.
final class CUDAObliviousForestModel: CUDAForestModel, @unchecked Sendable {
    /// The bit of a packed split's first word saying a missing value sets the split's bit; the feature is below it.
    static let missingHoldsFlag: UInt32 = 1 << 31
    static let featureMask: UInt32 = missingHoldsFlag - 1

    let forest: ObliviousForest
    let cpu: any CompiledModel
    let report: @Sendable (String) -> Void
    let metrics: DeviceMetrics

    private let module: CUDAModule
    let kernels: ForestKernels
    private let lanes: CUDALanePool
    private let splits: DeviceBuffer
    private let firstSplits: DeviceBuffer
    private let leafStarts: DeviceBuffer
    private let leafValues: DeviceBuffer

    var featureCount: Int { forest.featureCount }
    var outputCount: Int { forest.outputCount }
    var residentBytes: Int { cpu.residentBytes }
    var placement: Placement { .cuda }
    var outputPrecision: FeaturePrecision { .float64 }

    /// Uploads `forest`, which `cpu` (the same model compiled for the CPU) has already validated: every tree at
    /// most 16 levels deep with all its leaf values, every split on a feature of the model.
    init(_ forest: ObliviousForest, module: CUDAModule, lanes: CUDALanePool, cpu: any CompiledModel,
         metrics: DeviceMetrics, report: @escaping @Sendable (String) -> Void) throws(CUDAUnavailable) {
        let device = module.device
        try device.makeCurrent()
        self.forest = forest
        self.cpu = cpu
        self.report = report
        self.metrics = metrics
        self.module = module
        kernels = try ForestKernels(.obliviousForest, module: module, groupCount: forest.outputCount, treeCount: forest.trees.count,
                                    leafBytes: MemoryLayout<Int32>.stride)
        self.lanes = lanes
        splits = try DeviceBuffer(device: device, copying: Self.packedSplits(forest))
        var firstSplits = [Int](), leafStarts = [Int](), splitCount = 0, leafCount = 0
        for tree in forest.trees {
            firstSplits.append(splitCount)
            leafStarts.append(leafCount)
            splitCount += tree.splits.count
            leafCount += tree.leafValues.count
        }
        firstSplits.append(splitCount)
        self.firstSplits = try DeviceBuffer(device: device, copying: firstSplits)
        self.leafStarts = try DeviceBuffer(device: device, copying: leafStarts)
        leafValues = try DeviceBuffer(device: device, copying: forest.trees.flatMap(\.leafValues))
    }

    /// Every tree's splits in file order, each the kernel's `uint2`: the feature (with `missingHoldsFlag`) and the
    /// border's bits.
    static func packedSplits(_ forest: ObliviousForest) -> [SIMD2<UInt32>] {
        forest.trees.flatMap(\.splits).map { split in
            SIMD2(UInt32(split.feature) | (split.missingHolds ? missingHoldsFlag : 0), split.border.bitPattern)
        }
    }

    static let kernel = DeviceMetrics.Kernel.obliviousForest

    func predictOnDevice(_ batch: FeatureBatch) throws(CUDAUnavailable) -> Predictions {
        let rowCount = batch.rowCount
        let outputs = outputCount
        var result = [Double](repeating: 0, count: rowCount * outputs)
        guard rowCount > 0 else { return Predictions(rowCount: 0, columnCount: outputs, doubles: result) }
        let treeCount = forest.trees.count
        // One-hot tests become columns after the request's (`ObliviousForest.expandedRows`), as for the CPU kernel.
        let width = forest.kernelFeatureCount
        try forest.expandedRows(batch).withUnsafeBufferPointer { rows throws(CUDAUnavailable) in
            try kernels.run(on: lanes, rows: rowCount, inputWidth: width, outputWidth: outputs, input: rows.baseAddress!,
                            output: Double.self) { chunkRows, rowsAddress, marginsAddress in
                [splits.address, firstSplits.address, leafStarts.address, leafValues.address, rowsAddress, marginsAddress,
                 UInt64(chunkRows), UInt64(width), UInt64(outputs), UInt64(treeCount)]
            } leavesArguments: { rowsAddress, leavesAddress in
                [splits.address, firstSplits.address, rowsAddress, leavesAddress, UInt64(rowCount), UInt64(width), UInt64(treeCount)]
            } sumsArguments: { leavesAddress, marginsAddress in
                [leafStarts.address, leafValues.address, leavesAddress, marginsAddress, UInt64(rowCount), UInt64(outputs), UInt64(treeCount)]
            } read: { margins in
                result.withUnsafeMutableBufferPointer { output in
                    let scale = forest.scale, biases = forest.biases, transform = forest.transform
                    lanes.host.transformRows(rowCount, margins: margins, marginsPerRow: outputs, into: output, outputsPerRow: outputs) {
                        rowGPUMargins, rowMargins in
                        for index in rowMargins.indices {
                            rowMargins[index] = rowGPUMargins[index] * scale + biases[index]
                        }
                        transform.apply(rowMargins)
                    }
                }
            }
        }
        return Predictions(rowCount: rowCount, columnCount: outputs, doubles: result)
    }
}
