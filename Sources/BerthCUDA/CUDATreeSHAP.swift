import BerthCore
import CCUDA

/// The contributions (`explain=contributions`) of an XGBoost forest on the GPU: its root-to-leaf paths
/// (`TreeSHAPPaths`) uploaded once, when contributions are first asked for, beside the nodes its margins kernel
/// reads, and the TreeSHAP kernel (`CUDAKernelSource.treeSHAP`), one thread per (row, path), run over each batch. It
/// exists beside `CUDATreeEnsembleModel`, which owns it, because explanations have their own device data, launch
/// shape and output; the model decides when it runs and falls back to the CPU when it fails.
///
/// A batch goes through one `CUDALane` in runs of at most `rowsPerRun` rows, so the contributions on the device —
/// `groups × (features + 1)` doubles a row, which the kernel adds into atomically — never take more than
/// `phiBudgetBytes` (nor the grid more blocks than CUDA allows): each run copies its rows in, zeroes its
/// contributions, launches, and copies them back. The bias of each group — its trees' expected values
/// (`PackedForest.treeMeans`) added in tree order, then the base margin — is computed once and
/// written on the host, the CPU model's own sum bit for bit.
final class CUDATreeSHAP: @unchecked Sendable {
    static let threadsPerBlock = 128
    /// Device memory one run's contributions may take: 64 MiB, 27,000 rows of a model of 100 features and 3
    /// classes. A run is a single launch whose rows × paths threads dwarf the copies, so smaller runs cost little.
    static let phiBudgetBytes = 64 << 20

    let featureCount: Int
    let groupCount: Int
    let pathCount: Int
    /// Rows per launch: as many as `phiBudgetBytes` and the grid's 2^31 − 1 blocks allow, at most a lane's chunk.
    let rowsPerRun: Int
    /// Per output group, the bias every row gets.
    private let biases: [Double]

    private let module: CUDAModule
    private let function: ccuda_function
    private let lanes: CUDALanePool
    private let forest: DevicePackedForest
    private let pathStarts: DeviceBuffer
    private let pathGroups: DeviceBuffer
    private let leafValues: DeviceBuffer
    private let elementFeatures: DeviceBuffer
    private let elementZeros: DeviceBuffer
    private let conditionStarts: DeviceBuffer
    private let conditions: DeviceBuffer

    /// Uploads `paths`, extracted from `packed` (whose nodes `forest` holds on the device); `baseMargins` are the
    /// model's, one per output group.
    init(paths: TreeSHAPPaths, packed: PackedForest, forest: DevicePackedForest, featureCount: Int, baseMargins: [Float],
         module: CUDAModule, lanes: CUDALanePool, phiBudgetBytes: Int = CUDATreeSHAP.phiBudgetBytes) throws(CUDAUnavailable) {
        guard let function = module.functions["berth_tree_shap_contributions"] else {
            throw CUDAUnavailable(.compileFailed, "the TreeSHAP kernel has no entry point berth_tree_shap_contributions")
        }
        let device = module.device
        try device.makeCurrent()
        self.featureCount = featureCount
        groupCount = baseMargins.count
        pathCount = paths.pathCount
        let valuesPerRow = groupCount * (featureCount + 1)
        let maximumThreads = Int(Int32.max) * Self.threadsPerBlock
        rowsPerRun = max(1, min(CUDALane.chunkRows, phiBudgetBytes / (valuesPerRow * MemoryLayout<Double>.stride),
                                maximumThreads / max(pathCount, 1)))
        let means = packed.treeMeans()
        var treeSums = [Double](repeating: 0, count: groupCount)
        for (tree, mean) in means.enumerated() { treeSums[Int(packed.groups[tree])] += Double(mean) }
        biases = zip(treeSums, baseMargins).map { $0 + Double($1) }
        self.module = module
        self.function = function
        self.lanes = lanes
        self.forest = forest
        pathStarts = try DeviceBuffer(device: device, copying: paths.pathStarts)
        pathGroups = try DeviceBuffer(device: device, copying: paths.pathGroups)
        leafValues = try DeviceBuffer(device: device, copying: paths.leafValues)
        elementFeatures = try DeviceBuffer(device: device, copying: paths.elementFeatures)
        elementZeros = try DeviceBuffer(device: device, copying: paths.elementZeros)
        conditionStarts = try DeviceBuffer(device: device, copying: paths.conditionStarts)
        conditions = try DeviceBuffer(device: device, copying: paths.conditions)
    }

    /// The batch's contributions: per row, per group, `featureCount` values then the bias.
    func contributions(_ batch: FeatureBatch) throws(CUDAUnavailable) -> Explanations {
        let rowCount = batch.rowCount, width = featureCount + 1, valuesPerRow = groupCount * width
        var values = [Double](repeating: 0, count: rowCount * valuesPerRow)
        if rowCount > 0 && pathCount > 0 {
            let device = lanes.device
            try device.makeCurrent()
            let lane = try lanes.take()
            try batch.values.withUnsafeBufferPointer { rows throws(CUDAUnavailable) in
                for start in stride(from: 0, to: rowCount, by: rowsPerRun) {
                    let runRows = min(rowsPerRun, rowCount - start)
                    let phi = try lane.run(rows: runRows, inputWidth: featureCount, outputWidth: valuesPerRow,
                                           input: rows.baseAddress! + start * featureCount, output: Double.self) {
                        chunkRows, rowsAddress, phiAddress, stream throws(CUDAUnavailable) in
                        try device.zero(phiAddress, byteCount: chunkRows * valuesPerRow * MemoryLayout<Double>.stride, stream: stream)
                        let threads = chunkRows * pathCount
                        try device.launch(function, grid: ((threads + Self.threadsPerBlock - 1) / Self.threadsPerBlock, 1),
                                          block: (Self.threadsPerBlock, 1), stream: stream, arguments: [
                            forest.nodes.address, forest.categorySetOfNode.address, forest.categorySets.address,
                            forest.categoryWords.address, pathStarts.address, pathGroups.address, leafValues.address,
                            elementFeatures.address, elementZeros.address, conditionStarts.address, conditions.address,
                            rowsAddress, phiAddress, UInt64(chunkRows), UInt64(pathCount), UInt64(featureCount), UInt64(groupCount),
                        ])
                    }
                    values.withUnsafeMutableBufferPointer { output in
                        _ = UnsafeMutableBufferPointer(rebasing: output[start * valuesPerRow ..< (start + runRows) * valuesPerRow])
                            .update(fromContentsOf: phi)
                    }
                }
            }
            lanes.giveBack(lane)
        }
        for row in 0..<rowCount {
            for group in 0..<groupCount { values[row * valuesPerRow + group * width + featureCount] = biases[group] }
        }
        return Explanations(kind: .contributions, rowCount: rowCount, groupCount: groupCount, width: width, values: values)
    }
}
