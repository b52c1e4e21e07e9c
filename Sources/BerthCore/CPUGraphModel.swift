import Synchronization

/// An `OperatorGraph` planned for the CPU: kernels chosen, shapes checked, constants folded and buffers laid out
/// once at load, so a batch runs the steps in order with one allocation and no graph work (a request too large for
/// one `arenaBytes` arena runs in blocks of rows).
///
/// Every tensor computed from the request has the batch as its first dimension; each is given a slot of a fixed
/// width per row in one arena, and a slot is reused as soon as the last step reading its tensor has run. Views
/// (Identity, Reshape, …) share their input's slot.
struct CPUGraphModel: CompiledModel {
    /// Where a step finds a tensor: a constant, or a slot of the arena.
    enum Location: Sendable {
        case constant(Int)
        case slot(index: Int, shape: [Int])
    }

    struct Step: Sendable {
        let kernel: any GraphKernel
        let inputs: [Location]
        let outputs: [Location]
    }

    let featureCount: Int
    let outputCount: Int
    let steps: [Step]
    let constants: ConstantArena
    /// Floats per row of each slot; a slot starts at the sum of the widths before it, times the row count.
    let slotWidths: [Int]
    let inputSlot: Int
    let output: Location
    /// Rows run together in one arena: as many as fit `arenaBytes`, at least one.
    let blockRows: Int
    /// The step of the one tree ensemble the answer is computed from alone, which explanations ask; nil for any
    /// other graph (`explain`).
    let explainedForest: Int?
    let parallelism: RowParallelism
    /// The work a row gives every step, when each step may run on a block of rows on one thread
    /// (`GraphKernel.parallelWorkPerRow`, and `workPerOutputValue` for each value the step writes a row); nil when a
    /// step splits its rows its own way.
    let parallelWorkPerRow: Int?
    /// Whether each step's kernel can refuse a row (`RefusingGraphKernel`), asked before it runs.
    let stepRefuses: [Bool]

    var residentBytes: Int { constants.byteCount + steps.reduce(0) { $0 + $1.kernel.residentBytes } }
    /// A graph with a kernel that runs every batch on the GPU makes one launch for a joined call instead of one per
    /// request; a graph with a dense layer does one matrix product instead of one per request — unless a kernel of
    /// it is routed by size between the CPU and the GPU, where joined 1-row requests reach the GPU's latency and
    /// measured slower than unjoined ones (docs/performance.md#dynamic-batching).
    var gainsFromJoinedCalls: Bool {
        let offloaded: [Placement.OffloadedKernel]
        if case .graph(let kernels) = placement { offloaded = kernels } else { offloaded = [] }
        if offloaded.contains(where: { $0.placement.runsEveryBatchOnGPU }) { return true }
        guard steps.contains(where: { $0.kernel is DenseKernel || $0.kernel is LinearKernel }) else { return false }
        return !offloaded.contains { $0.placement.routesBySize }
    }

    /// The CPU, with the forests and dense layers another backend compiled named.
    var placement: Placement {
        .graph(steps.compactMap { step -> Placement.OffloadedKernel? in
            switch step.kernel {
            case let forest as TreeEnsembleKernel: .init(kind: .treeEnsemble, placement: forest.model.placement)
            case let dense as DenseKernel: .init(kind: .denseLayer, placement: dense.layer.placement)
            case let linear as LinearKernel: .init(kind: .linearModel, placement: linear.dense.layer.placement)
            default: nil
            }
        })
    }

    /// `deviceKernels` supplies the forests and dense layers another backend runs (empty: all on the CPU).
    init(_ graph: OperatorGraph, parallelism: RowParallelism, deviceKernels: DeviceKernels = DeviceKernels()) throws(ModelValidationError) {
        self.parallelism = parallelism
        var planner = GraphPlanner(graph: graph, parallelism: parallelism, deviceKernels: deviceKernels)
        try planner.plan()
        featureCount = graph.featureCount
        steps = planner.steps
        let works = planner.steps.map { step in
            step.kernel.parallelWorkPerRow.map { $0 + step.kernel.workPerOutputValue * step.outputs.reduce(0) { $0 + Self.rowWidth($1) } }
        }
        parallelWorkPerRow = works.contains(nil) ? nil : works.reduce(0) { $0 + $1! }
        stepRefuses = planner.steps.map { ($0.kernel as? any RefusingGraphKernel)?.refuses == true }
        constants = ConstantArena(planner.constants)
        slotWidths = planner.slotWidths
        let rowWidth = slotWidths.reduce(0, +)
        guard rowWidth <= Self.maxRowWidth else {
            throw ModelValidationError("the graph's computed tensors take more than \(Self.maxRowWidth) values a row")
        }
        blockRows = max(1, Self.arenaBytes / max(rowWidth * MemoryLayout<Float>.stride, 1))
        inputSlot = planner.inputSlot
        output = try planner.location(of: graph.output)
        guard case .slot(_, let shape) = output, shape.first == batch, shape.count <= 2 else {
            throw ModelValidationError("the model's output \(graph.output) is not a [N] or [N, outputs] tensor computed from the input")
        }
        outputCount = shape.count == 2 ? shape[1] : 1
        explainedForest = Self.answersFromOneForest(graph) ? steps.firstIndex { $0.kernel is TreeEnsembleKernel } : nil
    }

    /// The most bytes of arena one run takes — all cores' arenas together when a batch is split among them — unless
    /// one row takes more (then a block is one row): a request of more rows runs in blocks of rows that fit, so a
    /// wide computed tensor (a one-hot encoding of many categories, say) cannot make a large request allocate
    /// gigabytes. No kernel mixes rows (normalising over the batch is
    /// refused), so each row's answer is the one it gets in any block.
    static let arenaBytes = 16 << 20
    /// The values a row of a computed tensor holds (none for a constant's).
    private static func rowWidth(_ location: Location) -> Int {
        guard case .slot(_, let shape) = location else { return 0 }
        return shape.dropFirst().reduce(1, *)
    }

    /// The most values a row may take in the arena, all slots together (256 MiB), checked at load.
    static let maxRowWidth = 1 << 26

    func predict(_ batch: FeatureBatch) -> Predictions {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        if let parallelWorkPerRow { return predictSplitAcrossCores(batch, workPerRow: parallelWorkPerRow) }
        let read = { (view: (Location) -> TensorView) in Array(view(output).buffer) }
        var refusals = [RowRefusal]()
        let values = batch.rowCount > blockRows
            ? inBlocks(batch, stepCount: steps.count, refused: { refusals += $0 }, read: read).flatMap { $0 }
            : batch.values.withUnsafeBufferPointer {
                run($0, rows: batch.rowCount, stepCount: steps.count, refused: { refusals += $0 }, read: read)
            }
        var predictions = Predictions(rowCount: batch.rowCount, columnCount: outputCount, values: values)
        predictions.refusals = Self.onePerRow(refusals)
        return predictions
    }

    /// `refusals` in row order, the first step's for a row that several steps refuse.
    private static func onePerRow(_ refusals: [RowRefusal]) -> [RowRefusal] {
        guard refusals.count > 1 else { return refusals }
        var kept = [RowRefusal]()
        for refusal in refusals.enumerated().sorted(by: { ($0.element.row, $0.offset) < ($1.element.row, $1.offset) }).map(\.element)
        where kept.last?.row != refusal.row {
            kept.append(refusal)
        }
        return kept
    }

    /// A batch cut into one block of rows per core, each run through every step on its own thread, in its own arena:
    /// one hand-off for the whole graph instead of one for each layer, and each layer's output read back by the
    /// core that wrote it, from its own cache (an MLP of 3 × 256 on 4,096 rows: 1.21 × layer by layer). A
    /// batch too small to split runs whole on the caller's thread, as layer by layer it would. Each core's block
    /// runs in arenas of at most `blockRows` / cores rows, so the cores' arenas together stay within `arenaBytes`
    /// (a k-NN model's distances to 20,000 training rows are 80 KB a row).
    private func predictSplitAcrossCores(_ batch: FeatureBatch, workPerRow: Int) -> Predictions {
        let columns = outputCount
        let features = featureCount
        var values = [Float](repeating: 0, count: batch.rowCount * columns)
        let refusals = Mutex<[RowRefusal]>([])
        values.withUnsafeMutableBufferPointer { values in
            batch.values.withUnsafeBufferPointer { input in
                let rows = SendablePointer(input.baseAddress)
                let answers = SendableMutablePointer(values.baseAddress)
                let arenaRows = max(1, blockRows / parallelism.threadCount)
                parallelism.forEachRangeHoldingEveryCore(rowCount: batch.rowCount, work: batch.rowCount * workPerRow,
                                                         granularity: 32) { range in
                    for start in stride(from: range.lowerBound, to: range.upperBound, by: arenaRows) {
                        let count = min(arenaRows, range.upperBound - start)
                        let block = UnsafeBufferPointer(start: rows.pointer.map { $0 + start * features }, count: count * features)
                        let refused = { (found: [RowRefusal]) in
                            refusals.withLock { $0 += found.map { $0.moved(by: start) } }
                        }
                        run(block, rows: count, stepCount: steps.count, refused: refused) { view in
                            let answer = view(output).buffer
                            (answers.pointer! + start * columns).update(from: answer.baseAddress!, count: answer.count)
                        }
                    }
                }
            }
        }
        var predictions = Predictions(rowCount: batch.rowCount, columnCount: columns, values: values)
        predictions.refusals = Self.onePerRow(refusals.withLock { $0 })
        return predictions
    }

    /// `read`'s answer for each block of at most `blockRows` rows of `batch`, in order, once the first `stepCount`
    /// steps have run on it; `refused` is given the rows a step refuses, numbered in `batch`.
    func inBlocks<Answer>(_ batch: FeatureBatch, stepCount: Int, refused: ([RowRefusal]) -> Void = { _ in },
                          read: ((Location) -> TensorView) -> Answer) -> [Answer] {
        batch.values.withUnsafeBufferPointer { input in
            guard batch.rowCount > blockRows else {
                return [run(input, rows: batch.rowCount, stepCount: stepCount, refused: refused, read: read)]
            }
            return stride(from: 0, to: batch.rowCount, by: blockRows).map { start in
                let rows = min(blockRows, batch.rowCount - start)
                let block = UnsafeBufferPointer(rebasing: input[(start * featureCount)..<((start + rows) * featureCount)])
                return run(block, rows: rows, stepCount: stepCount,
                           refused: { found in refused(found.map { $0.moved(by: start) }) }, read: read)
            }
        }
    }

    /// Runs the first `stepCount` steps on `rows` rows of `input` in one arena, giving `refused` the rows a step
    /// refuses (numbered in `input`); `read` takes what it needs from the arena's tensors before it is freed.
    @inline(__always)
    private func run<Answer>(_ input: UnsafeBufferPointer<Float>, rows: Int, stepCount: Int, refused: ([RowRefusal]) -> Void,
                             read: ((Location) -> TensorView) -> Answer) -> Answer {
        let offsets = slotWidths.reduce(into: [0]) { $0.append($0.last! + $1 * rows) }
        // Not zeroed: every slot is written by its step before any step reads it.
        var arena = [Float](unsafeUninitializedCapacity: offsets.last!) { _, count in count = offsets.last! }
        return arena.withUnsafeMutableBufferPointer { arena in
            if let values = input.baseAddress {
                (arena.baseAddress! + offsets[inputSlot]).update(from: values, count: input.count)
            }
            func view(_ location: Location) -> TensorView {
                switch location {
                case .constant(let index):
                    return constants.view(index)
                case .slot(let index, let shape):
                    return TensorView(shape: shape.map { $0 == BerthCore.batch ? rows : $0 }, data: arena.baseAddress! + offsets[index])
                }
            }
            for index in 0..<stepCount where !steps[index].kernel.isView {
                let inputs = steps[index].inputs.map(view)
                if stepRefuses[index], let kernel = steps[index].kernel as? any RefusingGraphKernel {
                    let found = kernel.refusals(inputs, rows: rows)
                    if !found.isEmpty { refused(found) }
                }
                steps[index].kernel.run(inputs, steps[index].outputs.map(view))
            }
            return read(view)
        }
    }
}
