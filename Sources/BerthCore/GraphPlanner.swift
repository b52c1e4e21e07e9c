import BerthText

/// Builds the plan of a `CPUGraphModel` from an `OperatorGraph`, once at load: checks each node in order against
/// the kernel `GraphKernelFactory` chooses for it, resolves every shape with the batch as the only unknown, runs
/// the nodes whose inputs are all constants now (folding, say, a Transpose of weights), and gives each computed
/// tensor a slot of the arena, reusing a slot once the last step reading it has run (views share their input's).
/// An Add of a constant row and a Relu straight after a dense layer are folded into it (`denseFusion`).
struct GraphPlanner {
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
    /// The values a computed tensor may hold when every constant is smaller.
    static let computedElements = 1 << 24
    /// The values tensors folded at load may still add, all together: twice the file's constants (a graph may
    /// transpose and cast every weight) and `computedElements` more, so that many folds of a small constant into a
    /// large one cannot add gigabytes at load.
    private var foldedValuesLeft = 0

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
        // A tensor computed from others (a row of one computed from the request) holds no more values than the
        // largest constant, or 16,777,216 (64 MiB): broadcasting two 4 MB constants against each other must not
        // ask for 2⁴⁰ floats at load, nor a slot that wide for every row.
        let computedLimit = max(Self.computedElements, graph.constants.values.map(\.values.count).max() ?? 0)
        foldedValuesLeft = Self.computedElements + 2 * graph.constants.values.reduce(0) { $0 + $1.values.count }
        inputSlot = allocate(width: graph.featureCount)
        pendingReads[inputSlot] = reads[graph.input] ?? 0
        locations[graph.input] = .slot(index: inputSlot, shape: [batch, graph.featureCount])

        var absorbed = Set<Int>()
        for (position, original) in graph.nodes.enumerated() where !absorbed.contains(position) {
            var node = original
            var epilogue = DenseEpilogue.none
            if let fusion = denseFusion(at: position, reads: reads) {
                node.outputs = [fusion.output]
                epilogue = fusion.epilogue
                absorbed.formUnion(fusion.absorbed)
            }
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
                                                       deviceKernels: deviceKernels, epilogue: epilogue)
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
            for shape in outputShapes where Shapes.elementCount(shape, limit: computedLimit) == nil {
                throw ModelValidationError("node \(quoted: node.name) computes a tensor of more than \(computedLimit) values"
                                           + (shape.contains(batch) ? " a row" : ""))
            }
            if inputLocations.allSatisfy({ if case .constant = $0 { true } else { false } }) {
                try fold(node, kernel: kernel, inputs: inputLocations, shapes: outputShapes)
            } else {
                try schedule(node, kernel: kernel, inputs: inputLocations, shapes: outputShapes, reads: reads)
            }
            for input in inputs { release(input) }
        }
    }

    /// Runs a node whose inputs are all constants now, at load.
    private mutating func fold(_ node: OperatorNode, kernel: any GraphKernel, inputs: [CPUGraphModel.Location],
                               shapes: [[Int]]) throws(ModelValidationError) {
        let inputTensors = inputs.map { constantValues($0)! }
        let results: [ConstantTensor]
        if kernel.isView {
            results = [ConstantTensor(shape: shapes[0], values: inputTensors[0].values)]
        } else {
            // Each shape was checked against the computed-tensor limit, so the sum cannot overflow.
            let produced = shapes.reduce(0) { $0 + $1.reduce(1, *) }
            guard produced <= foldedValuesLeft else {
                throw ModelValidationError("node \(quoted: node.name) would compute more values at load than the model allows (twice its constants, and \(Self.computedElements) more)")
            }
            foldedValuesLeft -= produced
            let arena = ConstantArena(inputTensors + shapes.map { ConstantTensor(shape: $0, values: [Float](repeating: 0, count: $0.reduce(1, *))) })
            let outputs = shapes.indices.map { arena.view(inputTensors.count + $0) }
            let inputViews = inputTensors.indices.map { arena.view($0) }
            // onnxruntime would fail every request on a constant it refuses: so is the model, at load.
            if let refusing = kernel as? any RefusingGraphKernel, refusing.refuses,
               let refused = refusing.refusals(inputViews, rows: 1).first {
                throw ModelValidationError("node \(quoted: node.name) reads only constants, and onnxruntime fails every request on them: \(refused.reason)")
            }
            kernel.run(inputViews, outputs)
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

    func constantValues(_ location: CPUGraphModel.Location) -> ConstantTensor? {
        if case .constant(let index) = location { constants[index] } else { nil }
    }

    private func shape(of location: CPUGraphModel.Location) -> [Int] {
        switch location {
        case .constant(let index): constants[index].shape
        case .slot(_, let shape): shape
        }
    }
}
