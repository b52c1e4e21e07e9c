import BerthCore
import CCUDA

/// A tree ensemble on the GPU: the `PackedForest` uploaded once at load; a batch that fills the GPU with a thread
/// per (row, output group) walks that way, a smaller one with a thread per (tree, row) and then one per (row,
/// group) adding the leaves (`CUDAKernelSource.treeEnsemble`, `ForestKernels`).
///
/// Per batch, a `CUDALane` copies the rows in and the margins back around the kernels, in chunks over two
/// streams. The output transform (sigmoid, softmax…)
/// runs on the CPU with the CPU kernel's own code. Any CUDA error on the way is reported once through `report`
/// and the batch is answered by the CPU model instead: a request never fails because the GPU did.
///
/// An XGBoost forest (covers, summed leaves) also computes its contributions on the GPU (`CUDATreeSHAP`), with the
/// same fallback; its leaves and margins, and the contributions of a forest whose paths the kernel does not take,
/// are the CPU model's.
final class CUDATreeEnsembleModel: CUDAForestModel, @unchecked Sendable {
    let featureCount: Int
    let groupCount: Int
    let transform: OutputTransform
    let combination: TreeEnsemble.LeafCombination
    let cpu: any CompiledModel
    let report: @Sendable (String) -> Void
    let metrics: DeviceMetrics

    private let module: CUDAModule
    /// Its kernels, and which way a batch takes.
    let kernels: ForestKernels
    private let lanes: CUDALanePool
    private let forest: DevicePackedForest
    private let treeRoots: DeviceBuffer
    private let groupTreeStarts: DeviceBuffer
    private let baseMargins: DeviceBuffer
    /// What the forest's TreeSHAP is built from; nil for a forest whose contributions are the CPU model's.
    private let shapSource: SHAPSource?
    private let builtSHAP = ComputedOnce<CUDATreeSHAP?>()

    /// The host side of a forest the GPU may explain: its packed nodes (the CPU model's own arrays, shared), its base
    /// margins and the backend's kernels, the TreeSHAP kernel among them.
    private struct SHAPSource {
        let packed: PackedForest
        let baseMargins: [Float]
        let modules: KernelModules
    }

    /// The forest's TreeSHAP on the device, built and uploaded on the first request for contributions, not at load:
    /// its paths repeat the nodes they share (several times the forest's memory on the device) and cost a pass
    /// over every leaf, which a load — and a multi-model endpoint's every model — need not pay for
    /// explanations most endpoints never ask for. Nil where the CPU model answers contributions (`treeSHAP`).
    var shap: CUDATreeSHAP? {
        guard let shapSource else { return nil }
        return builtSHAP.value {
            Self.treeSHAP(shapSource, deviceForest: forest, featureCount: featureCount, lanes: lanes, report: report)
        }
    }
    /// Builds the TreeSHAP on first use (`shap`), so the router reads it only for a batch the GPU would take.
    var computesContributionsOnDevice: Bool { shap != nil }

    var outputCount: Int { transform.outputCount(groupCount: groupCount) }
    var residentBytes: Int { cpu.residentBytes }
    var placement: Placement { .cuda }

    /// Uploads `forest`, the packing of `ensemble`, for `module`'s kernels; its TreeSHAP paths and kernel (from
    /// `modules`) wait for the first request for contributions (`shap`). `cpu` is the same model compiled for the CPU.
    init(_ ensemble: TreeEnsemble, forest: PackedForest, module: CUDAModule, modules: KernelModules, lanes: CUDALanePool,
         cpu: any CompiledModel, metrics: DeviceMetrics, report: @escaping @Sendable (String) -> Void) throws(CUDAUnavailable) {
        let device = module.device
        try device.makeCurrent()
        featureCount = ensemble.featureCount
        groupCount = ensemble.groupCount
        transform = ensemble.transform
        combination = ensemble.combination
        self.cpu = cpu
        self.report = report
        self.metrics = metrics
        self.module = module
        self.lanes = lanes

        // Trees grouped by output group, file order kept within a group: the order the CPU adds them in.
        var treeRootsByGroup = [Int32]()
        var starts = [Int32]()
        for group in 0..<ensemble.groupCount {
            starts.append(Int32(treeRootsByGroup.count))
            for tree in forest.roots.indices where forest.groups[tree] == Int32(group) {
                treeRootsByGroup.append(forest.roots[tree])
            }
        }
        starts.append(Int32(treeRootsByGroup.count))
        kernels = try ForestKernels(.treeEnsemble, module: module, groupCount: groupCount, treeCount: treeRootsByGroup.count,
                                    leafBytes: MemoryLayout<Float>.stride)
        let deviceForest = try DevicePackedForest(forest, device: device)
        self.forest = deviceForest
        treeRoots = try DeviceBuffer(device: device, copying: treeRootsByGroup)
        groupTreeStarts = try DeviceBuffer(device: device, copying: starts)
        baseMargins = try DeviceBuffer(device: device, copying: ensemble.baseMargins)
        // A forest without covers, or whose leaves are not summed, the CPU model refuses to explain.
        shapSource = !forest.covers.isEmpty && ensemble.combination == .sum
            ? SHAPSource(packed: forest, baseMargins: ensemble.baseMargins, modules: modules) : nil
    }

    /// The forest's TreeSHAP on the device, or nil, with a reported line, where its paths are larger than the kernel
    /// takes (`TreeSHAPPaths`), do not fit in device memory, or the kernel cannot be compiled or loaded: the CPU model
    /// answers its contributions then.
    private static func treeSHAP(_ source: SHAPSource, deviceForest: DevicePackedForest, featureCount: Int,
                                 lanes: CUDALanePool, report: @Sendable (String) -> Void) -> CUDATreeSHAP? {
        let paths: TreeSHAPPaths
        do {
            paths = try TreeSHAPPaths(source.packed)
        } catch {
            report("the model's contributions are computed on the CPU: \(error.reason)")
            return nil
        }
        do {
            return try CUDATreeSHAP(paths: paths, packed: source.packed, forest: deviceForest, featureCount: featureCount,
                                    baseMargins: source.baseMargins, module: try source.modules.module(.treeSHAP), lanes: lanes)
        } catch {
            report("the model's contributions are computed on the CPU: its TreeSHAP paths cannot go onto the GPU: \(error.message)")
            return nil
        }
    }

    static let kernel = DeviceMetrics.Kernel.forest

    func predictOnDevice(_ batch: FeatureBatch) throws(CUDAUnavailable) -> Predictions {
        let rowCount = batch.rowCount
        var result = Predictions(rowCount: rowCount, columnCount: outputCount, values: [Float](repeating: 0, count: rowCount * outputCount))
        guard rowCount > 0 else { return result }
        let groups = groupCount, outputs = outputCount
        let transform = transform
        func applyTransform(_ margins: UnsafeBufferPointer<Float>) {
            result.values.withUnsafeMutableBufferPointer { output in
                lanes.host.transformRows(rowCount, margins: margins, marginsPerRow: groups, into: output, outputsPerRow: outputs) {
                    transform.apply(margins: $0, output: $1)
                }
            }
        }
        try batch.values.withUnsafeBufferPointer { rows throws(CUDAUnavailable) in
            try kernels.run(on: lanes, rows: rowCount, inputWidth: featureCount, outputWidth: groups, input: rows.baseAddress!,
                            output: Float.self) { chunkRows, rowsAddress, marginsAddress in
                [forest.nodes.address, treeRoots.address, groupTreeStarts.address, forest.categorySetOfNode.address,
                 forest.categorySets.address, forest.categoryWords.address, baseMargins.address, rowsAddress, marginsAddress,
                 UInt64(chunkRows), UInt64(featureCount), UInt64(groups), combinationCode]
            } leavesArguments: { rowsAddress, leavesAddress in
                [forest.nodes.address, treeRoots.address, forest.categorySetOfNode.address, forest.categorySets.address,
                 forest.categoryWords.address, rowsAddress, leavesAddress, UInt64(rowCount), UInt64(featureCount),
                 UInt64(kernels.treeCount)]
            } sumsArguments: { leavesAddress, marginsAddress in
                [leavesAddress, groupTreeStarts.address, baseMargins.address, marginsAddress, UInt64(rowCount), UInt64(groups),
                 combinationCode]
            } read: { margins in applyTransform(margins) }
        }
        return result
    }

    /// Contributions on the GPU where the forest has its TreeSHAP there; a batch the GPU fails is counted, reported
    /// and explained by the CPU model. Everything else is the CPU model's.
    func explain(_ batch: FeatureBatch, as kind: ExplanationKind) throws(ExplanationRefusal) -> Explanations {
        guard kind == .contributions, let shap else { return try cpu.explain(batch, as: kind) }
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        do {
            return try shap.contributions(batch)
        } catch {
            metrics.recordFallback(.treeSHAP)
            report("the GPU failed the contributions of a batch; they were computed on the CPU: \(error.message)")
            return try cpu.explain(batch, as: kind)
        }
    }

    /// The kernel's code for how a group's leaves combine.
    private var combinationCode: UInt64 {
        switch combination {
        case .sum: 0
        case .sumOfVotes: 1
        case .minimum: 2
        case .maximum: 3
        }
    }
}
