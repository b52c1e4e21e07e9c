import BerthText

/// Identity, Reshape (to a constant shape, or to another tensor's), Flatten, Squeeze and Unsqueeze: the same values
/// under another shape, never copied. The batch dimension must stay the first dimension (a model that folds rows
/// together is refused at load).
struct ViewKernel: GraphKernel {
    enum Change: Sendable {
        case identity
        /// The target shape (ONNX's `0` = keep, `-1` = infer) is the constant second input.
        case reshape(allowZero: Bool)
        /// The second input's shape, whose values are not read.
        case reshapeLike
        case flatten(axis: Int)
        case squeeze(axes: [Int]?)
        case unsqueeze(axes: [Int]?)
    }

    let change: Change
    /// The second input's values when it is a constant (Reshape's shape, Squeeze/Unsqueeze axes from opset 13).
    let parameter: [Int]?

    var isView: Bool { true }
    var constantInputs: Set<Int> { parameter == nil ? [] : [1] }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        let shape = inputs[0]
        let result: [Int]
        switch change {
        case .identity:
            result = shape
        case .reshape(let allowZero):
            guard let target = parameter else { throw ModelValidationError("Reshape needs a constant shape input") }
            result = try reshaped(shape, to: target, allowZero: allowZero)
        case .reshapeLike:
            let target = inputs[1]
            guard (shape.first == batch) == (target.first == batch),
                  shape.filter({ $0 != batch }).reduce(1, *) == target.filter({ $0 != batch }).reduce(1, *) else {
                throw ModelValidationError("Reshape of \(Shapes.describe(shape)) to the shape \(Shapes.describe(target)) of another tensor: the sizes differ")
            }
            result = target
        case .flatten(let axis):
            let resolved = axis < 0 ? axis + shape.count : axis
            guard resolved >= 0, resolved <= shape.count else { throw ModelValidationError("Flatten axis \(axis) is outside rank \(shape.count)") }
            if shape.first == batch {
                guard resolved == 1 else {
                    throw ModelValidationError("Flatten with axis \(axis) would fold the batch into another dimension")
                }
                result = [batch, shape.dropFirst().reduce(1, *)]
            } else {
                result = [shape[..<resolved].reduce(1, *), shape[resolved...].reduce(1, *)]
            }
        case .squeeze(let attributeAxes):
            let axes = try (attributeAxes ?? parameter).map { axes throws(ModelValidationError) in
                try Set(axes.map { axis throws(ModelValidationError) in try Shapes.axis(axis, rank: shape.count) })
            }
            var squeezed = [Int]()
            for (index, size) in shape.enumerated() {
                let remove = axes.map { $0.contains(index) } ?? (size == 1)
                if remove {
                    guard size == 1 else { throw ModelValidationError("Squeeze of axis \(index), which has size \(size == batch ? "N" : String(size))") }
                } else {
                    squeezed.append(size)
                }
            }
            result = squeezed
        case .unsqueeze(let attributeAxes):
            guard let axes = attributeAxes ?? parameter else { throw ModelValidationError("Unsqueeze needs constant axes") }
            let rank = shape.count + axes.count
            let resolved = try Set(axes.map { axis throws(ModelValidationError) in try Shapes.axis(axis, rank: rank) })
            var expanded = [Int]()
            var next = shape.makeIterator()
            for index in 0..<rank { expanded.append(resolved.contains(index) ? 1 : next.next()!) }
            result = expanded
        }
        if shape.first == batch {
            guard result.first == batch, !result.dropFirst().contains(batch) else {
                throw ModelValidationError("reshaping \(Shapes.describe(shape)) to \(Shapes.describe(result)) moves the batch dimension")
            }
        }
        return [result]
    }

    private func reshaped(_ shape: [Int], to target: [Int], allowZero: Bool) throws(ModelValidationError) -> [Int] {
        var result = target.enumerated().map { index, size in size == 0 && !allowZero && index < shape.count ? shape[index] : size }
        let hasBatch = shape.first == batch
        let total = hasBatch ? shape.dropFirst().reduce(1, *) : shape.reduce(1, *)
        if hasBatch {
            if result.first == -1 && !result.dropFirst().contains(-1) { result[0] = batch }
            guard result.first == batch else {
                throw ModelValidationError("Reshape to \(excerpt: "\(target)") of \(Shapes.describe(shape)) does not keep the batch as the first dimension")
            }
        }
        let unknown = result.indices.filter { result[$0] == -1 && !(hasBatch && $0 == 0) }
        var known = 1
        for (index, size) in result.enumerated() where !(hasBatch && index == 0) && size != -1 {
            let (product, overflow) = known.multipliedReportingOverflow(by: size)
            guard size >= 0, !overflow else { throw ModelValidationError("Reshape to \(excerpt: "\(target)") asks for an impossible size") }
            known = product
        }
        if let inferred = unknown.first {
            guard unknown.count == 1, known > 0, total % known == 0 else { throw ModelValidationError("Reshape to \(excerpt: "\(target)") cannot infer a dimension") }
            result[inferred] = total / known
        } else {
            guard known == total else { throw ModelValidationError("Reshape of \(Shapes.describe(shape)) to \(excerpt: "\(target)"): the sizes differ") }
        }
        return result
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {}
}

/// Concat along a non-batch axis.
struct ConcatKernel: GraphKernel {
    let axis: Int

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        let rank = inputs[0].count
        let resolved = try Shapes.axis(axis, rank: rank)
        var shape = inputs[0]
        for other in inputs.dropFirst() {
            guard other.count == rank, other.indices.allSatisfy({ $0 == resolved || other[$0] == shape[$0] }) else {
                throw ModelValidationError("Concat of \(Shapes.describe(inputs[0])) and \(Shapes.describe(other)) along axis \(axis)")
            }
            guard other[resolved] != batch, shape[resolved] != batch else { throw ModelValidationError("Concat along the batch dimension is not supported") }
            shape[resolved] += other[resolved]
        }
        return [shape]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let shape = outputs[0].shape
        let resolved = axis < 0 ? axis + shape.count : axis
        let outer = shape[..<resolved].reduce(1, *)
        guard let output = outputs[0].buffer.baseAddress else { return }
        // Each input's run a block, worked out once: a request's rows are the blocks of a Concat on axis 1.
        let runs = inputs.map { (source: $0.buffer.baseAddress, count: $0.shape[resolved...].reduce(1, *)) }
        let total = runs.reduce(0) { $0 + $1.count }
        var offset = 0
        // An input at a time, its run of each block in turn.
        for (source, count) in runs where count > 0 {
            for block in 0..<outer { ValueRuns.copy(count, from: source! + block * count, to: output + block * total + offset) }
            offset += count
        }
    }
}

/// Transpose by a permutation that keeps the batch dimension first (or of a constant, folded at load).
struct TransposeKernel: GraphKernel {
    let permutation: [Int]

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        let shape = inputs[0]
        let order = permutation.isEmpty ? Array(shape.indices.reversed()) : permutation
        guard order.count == shape.count, Set(order) == Set(shape.indices) else {
            throw ModelValidationError("Transpose permutation \(order) does not fit rank \(shape.count)")
        }
        if shape.first == batch && order.first != 0 {
            throw ModelValidationError("Transpose \(order) moves the batch dimension")
        }
        return [order.map { shape[$0] }]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let shape = inputs[0].shape
        let order = permutation.isEmpty ? Array(shape.indices.reversed()) : permutation
        let inputStrides = Shapes.strides(shape)
        let outputShape = outputs[0].shape
        // Axes of length 1 change no index: left out, a file's thousand of them cost nothing a value.
        let moving = outputShape.indices.filter { outputShape[$0] != 1 }
        let outputStrides = Shapes.strides(moving.map { outputShape[$0] })
        let sourceStrides = moving.map { inputStrides[order[$0]] }
        let input = inputs[0].buffer, output = outputs[0].buffer
        for index in output.indices { output[index] = input[Shapes.index(index, strides: outputStrides, mappedTo: sourceStrides)] }
    }
}
