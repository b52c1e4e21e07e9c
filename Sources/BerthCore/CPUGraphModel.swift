/// An `OperatorGraph` planned for the CPU: kernels chosen, shapes checked, constants folded and buffers laid out
/// once at load, so a batch runs the steps in order with one allocation and no graph work.
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

    var residentBytes: Int { constants.byteCount + steps.reduce(0) { $0 + $1.kernel.residentBytes } }

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
        var planner = GraphPlanner(graph: graph, parallelism: parallelism, deviceKernels: deviceKernels)
        try planner.plan()
        featureCount = graph.featureCount
        steps = planner.steps
        constants = ConstantArena(planner.constants)
        slotWidths = planner.slotWidths
        inputSlot = planner.inputSlot
        output = try planner.location(of: graph.output)
        guard case .slot(_, let shape) = output, shape.first == batch, shape.count <= 2 else {
            throw ModelValidationError("the model's output \(graph.output) is not a [N] or [N, outputs] tensor computed from the input")
        }
        outputCount = shape.count == 2 ? shape[1] : 1
    }

    func predict(_ batch: FeatureBatch) -> Predictions {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        let rows = batch.rowCount
        let offsets = slotWidths.reduce(into: [0]) { $0.append($0.last! + $1 * rows) }
        // Not zeroed: every slot is written by its step before any step reads it.
        var arena = [Float](unsafeUninitializedCapacity: offsets.last!) { _, count in count = offsets.last! }
        return arena.withUnsafeMutableBufferPointer { arena in
            let input = arena.baseAddress! + offsets[inputSlot]
            batch.values.withUnsafeBufferPointer { values in
                input.update(from: values.baseAddress!, count: values.count)
            }
            func view(_ location: Location) -> TensorView {
                switch location {
                case .constant(let index):
                    return constants.view(index)
                case .slot(let index, let shape):
                    return TensorView(shape: shape.map { $0 == BerthCore.batch ? rows : $0 }, data: arena.baseAddress! + offsets[index])
                }
            }
            for step in steps where !step.kernel.isView {
                step.kernel.run(step.inputs.map(view), step.outputs.map(view))
            }
            return Predictions(rowCount: rows, columnCount: outputCount, values: Array(view(output).buffer))
        }
    }
}

/// The constants of a planned graph in one allocation that lives as long as the model; kernels only read it.
final class ConstantArena: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Float>
    private let shapes: [[Int]]
    private let offsets: [Int]

    init(_ tensors: [ConstantTensor]) {
        shapes = tensors.map(\.shape)
        offsets = tensors.reduce(into: [0]) { $0.append($0.last! + $1.values.count) }
        storage = .allocate(capacity: max(offsets.last!, 1))
        for (tensor, offset) in zip(tensors, offsets) {
            _ = UnsafeMutableBufferPointer(rebasing: storage[offset..<offset + tensor.values.count]).initialize(from: tensor.values)
        }
    }

    deinit { storage.deallocate() }

    var byteCount: Int { storage.count * MemoryLayout<Float>.stride }

    func view(_ index: Int) -> TensorView {
        TensorView(shape: shapes[index], data: storage.baseAddress! + offsets[index])
    }
}

/// Builds the plan of a `CPUGraphModel`.
private struct GraphPlanner {
    let graph: OperatorGraph
    let parallelism: RowParallelism
    let deviceKernels: DeviceKernels
    var steps = [CPUGraphModel.Step]()
    var constants = [ConstantTensor]()
    var slotWidths = [Int]()
    var inputSlot = 0
    private var locations = [String: CPUGraphModel.Location]()
    /// Per slot: how many reads of tensors stored in it are still to come.
    private var pendingReads = [Int]()
    private var freeSlots = [Int]()

    init(graph: OperatorGraph, parallelism: RowParallelism, deviceKernels: DeviceKernels) {
        self.graph = graph
        self.parallelism = parallelism
        self.deviceKernels = deviceKernels
    }

    func location(of name: String) throws(ModelValidationError) -> CPUGraphModel.Location {
        guard let location = locations[name] else { throw ModelValidationError("tensor \(quoted: name) is read before any node writes it") }
        return location
    }

    mutating func plan() throws(ModelValidationError) {
        for (name, tensor) in graph.constants.sorted(by: { $0.key < $1.key }) { addConstant(name, tensor) }
        var reads = [String: Int]()
        for node in graph.nodes { for input in node.inputs where !input.isEmpty { reads[input, default: 0] += 1 } }
        reads[graph.output, default: 0] += 1
        inputSlot = allocate(width: graph.featureCount)
        pendingReads[inputSlot] = reads[graph.input] ?? 0
        locations[graph.input] = .slot(index: inputSlot, shape: [batch, graph.featureCount])

        for node in graph.nodes {
            let inputs = node.inputs.filter { !$0.isEmpty }
            guard node.operation.inputCount.contains(inputs.count) else {
                let expected = node.operation.inputCount
                throw ModelValidationError("""
                    node \(quoted: node.name) has \(inputs.count) inputs; its operator takes \
                    \(expected.count == 1 ? "\(expected.lowerBound)" : "\(expected.lowerBound) to \(expected.upperBound)")
                    """)
            }
            let inputLocations = try inputs.map { name throws(ModelValidationError) in try location(of: name) }
            let kernel: any GraphKernel
            do {
                kernel = try GraphKernelFactory.kernel(for: node, inputs: inputLocations.map { constantValues($0) },
                                                       shapes: inputLocations.map(shape(of:)), parallelism: parallelism,
                                                       deviceKernels: deviceKernels)
            } catch {
                throw ModelValidationError("node \(quoted: node.name): \(error.reason)")
            }
            for index in kernel.constantInputs where index >= inputLocations.count || constantValues(inputLocations[index]) == nil {
                throw ModelValidationError("node \(quoted: node.name): input \(index + 1) must be a constant")
            }
            let shapes = inputLocations.map(shape(of:))
            let outputShapes: [[Int]]
            do {
                outputShapes = try kernel.outputShapes(shapes)
            } catch {
                throw ModelValidationError("node \(quoted: node.name): \(error.reason)")
            }
            guard outputShapes.count >= node.outputs.filter({ !$0.isEmpty }).count else {
                throw ModelValidationError("node \(quoted: node.name) has more outputs than Berth computes")
            }
            if inputLocations.allSatisfy({ if case .constant = $0 { true } else { false } }) {
                fold(node, kernel: kernel, inputs: inputLocations, shapes: outputShapes)
            } else {
                try schedule(node, kernel: kernel, inputs: inputLocations, shapes: outputShapes, reads: reads)
            }
            for input in inputs { release(input) }
        }
    }

    /// Runs a node whose inputs are all constants now, at load.
    private mutating func fold(_ node: OperatorNode, kernel: any GraphKernel, inputs: [CPUGraphModel.Location], shapes: [[Int]]) {
        let inputTensors = inputs.map { constantValues($0)! }
        let results: [ConstantTensor]
        if kernel.isView {
            results = [ConstantTensor(shape: shapes[0], values: inputTensors[0].values)]
        } else {
            let arena = ConstantArena(inputTensors + shapes.map { ConstantTensor(shape: $0, values: [Float](repeating: 0, count: $0.reduce(1, *))) })
            let outputs = shapes.indices.map { arena.view(inputTensors.count + $0) }
            kernel.run(inputTensors.indices.map { arena.view($0) }, outputs)
            results = zip(shapes, outputs).map { ConstantTensor(shape: $0, values: Array($1.buffer)) }
        }
        for (name, tensor) in zip(node.outputs, results) where !name.isEmpty { addConstant(name, tensor) }
    }

    private mutating func schedule(_ node: OperatorNode, kernel: any GraphKernel, inputs: [CPUGraphModel.Location],
                                   shapes: [[Int]], reads: [String: Int]) throws(ModelValidationError) {
        var outputs = [CPUGraphModel.Location]()
        var unread = [Int]()
        for (index, shape) in shapes.enumerated() {
            guard shape.first == batch, !shape.dropFirst().contains(batch) else {
                throw ModelValidationError("node \(quoted: node.name) computes \(Shapes.describe(shape)), which does not keep the batch first")
            }
            let name = index < node.outputs.count ? node.outputs[index] : ""
            let slot: Int
            if kernel.isView && index == 0, case .slot(let source, _) = inputs[0] {
                slot = source
            } else {
                slot = allocate(width: shape.dropFirst().reduce(1, *))
            }
            pendingReads[slot] += reads[name] ?? 0
            let location = CPUGraphModel.Location.slot(index: slot, shape: shape)
            if !name.isEmpty { locations[name] = location }
            outputs.append(location)
            if reads[name] == nil && !(kernel.isView && index == 0) { unread.append(slot) }
        }
        // Outputs nothing reads are free for later steps, but not for this step's other outputs.
        freeSlots.append(contentsOf: unread)
        steps.append(CPUGraphModel.Step(kernel: kernel, inputs: inputs, outputs: outputs))
    }

    /// A slot of at least `width` floats per row: a free one if any is wide enough, else a new one.
    private mutating func allocate(width: Int) -> Int {
        if let position = freeSlots.firstIndex(where: { slotWidths[$0] >= width }) {
            return freeSlots.remove(at: position)
        }
        slotWidths.append(width)
        pendingReads.append(0)
        return slotWidths.count - 1
    }

    /// One read of `name` is done; its slot is free once nothing stored there will be read again.
    private mutating func release(_ name: String) {
        guard case .slot(let slot, _)? = locations[name] else { return }
        pendingReads[slot] -= 1
        if pendingReads[slot] == 0 { freeSlots.append(slot) }
    }

    private mutating func addConstant(_ name: String, _ tensor: ConstantTensor) {
        locations[name] = .constant(constants.count)
        constants.append(tensor)
    }

    private func constantValues(_ location: CPUGraphModel.Location) -> ConstantTensor? {
        if case .constant(let index) = location { constants[index] } else { nil }
    }

    private func shape(of location: CPUGraphModel.Location) -> [Int] {
        switch location {
        case .constant(let index): constants[index].shape
        case .slot(_, let shape): shape
        }
    }
}
