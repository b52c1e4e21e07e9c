/// Chooses the CPU kernel for a graph node, packing the constant inputs it needs (weights, shapes, axes).
enum GraphKernelFactory {
    /// `inputs` holds each input's values when it is a constant, nil when it is computed; `shapes` their shapes.
    /// `deviceKernels` compiles the forests and dense layers another backend runs (empty: the CPU kernels);
    /// `epilogue` is what a MatMul's or Gemm's layer does after its sums (the nodes the planner folded into it).
    static func kernel(for node: OperatorNode, inputs: [ConstantTensor?], shapes: [[Int]], parallelism: RowParallelism,
                       deviceKernels: DeviceKernels = DeviceKernels(),
                       epilogue: DenseEpilogue = .none) throws(ModelValidationError) -> any GraphKernel {
        switch node.operation {
        case .gemm(let alpha, let beta, let transA, let transB):
            guard !transA else { throw ModelValidationError("Gemm with transA=1 is not supported") }
            guard inputs.count >= 2, let weights = inputs[1], weights.shape.count == 2 else {
                throw ModelValidationError("Gemm needs a constant 2-D B")
            }
            let (inner, columns) = transB ? (weights.shape[1], weights.shape[0]) : (weights.shape[0], weights.shape[1])
            var packed = [Float](repeating: 0, count: inner * columns)
            for k in 0..<inner {
                for n in 0..<columns {
                    packed[k * columns + n] = alpha * (transB ? weights.values[n * inner + k] : weights.values[k * columns + n])
                }
            }
            var bias = [Float]()
            if inputs.count >= 3 {
                guard let c = inputs[2] else { throw ModelValidationError("Gemm needs a constant C") }
                let count = c.values.count
                guard count == 1 || count == columns, c.shape.dropLast().allSatisfy({ $0 == 1 }) else {
                    throw ModelValidationError("Gemm's C of shape \(c.shape) is not a scalar or a row of \(columns)")
                }
                bias = (0..<columns).map { beta * c.values[count == 1 ? 0 : $0] }
            }
            return try DenseKernel(DenseWeights(inner: inner, columns: columns, weights: packed, bias: bias, epilogue: epilogue),
                                   parallelism: parallelism, compiler: deviceKernels.dense)
        case .matMul:
            guard inputs.count == 2, let weights = inputs[1] else { throw ModelValidationError("MatMul of two computed tensors is not supported") }
            guard weights.shape.count == 2 else { throw ModelValidationError("MatMul by a \(weights.shape.count)-D constant is not supported") }
            return try DenseKernel(DenseWeights(inner: weights.shape[0], columns: weights.shape[1], weights: weights.values, bias: [],
                                                epilogue: epilogue),
                                   parallelism: parallelism, compiler: deviceKernels.dense)
        case .add: return BinaryKernel(function: .add)
        case .subtract: return BinaryKernel(function: .subtract)
        case .multiply: return BinaryKernel(function: .multiply)
        case .divide: return BinaryKernel(function: .divide)
        case .power: return BinaryKernel(function: .power)
        case .greater: return BinaryKernel(function: .greater)
        case .less: return BinaryKernel(function: .less)
        case .equal: return BinaryKernel(function: .equal)
        case .greaterOrEqual: return BinaryKernel(function: .greaterOrEqual)
        case .lessOrEqual: return BinaryKernel(function: .lessOrEqual)
        case .and: return BinaryKernel(function: .and)
        case .or: return BinaryKernel(function: .or)
        case .xor: return BinaryKernel(function: .xor)
        case .select: return SelectKernel()
        case .maximum: return BinaryKernel(function: .maximum)
        case .minimum: return BinaryKernel(function: .minimum)
        case .parametricRelu: return BinaryKernel(function: .parametricRelu)
        case .unaryMath(let function): return UnaryKernel(function: .math(function))
        case .binarizer(let threshold): return BinarizerKernel(threshold: threshold, nodeName: node.name)
        case .fill(let value): return UnaryKernel(function: .fill(value))
        case .fillRows(let trailing, let value): return FillRowsKernel(trailing: trailing, value: value)
        case .reduce(let reduction, let axes, let keepDims, let noopWithEmptyAxes):
            var given = axes ?? []
            if axes == nil, let fromInput = try axesInput(inputs, when: true, node: "a reduction") { given = fromInput }
            return ReduceKernel(reduction: reduction, axes: given, keepDims: keepDims, noopWithEmptyAxes: noopWithEmptyAxes)
        case .gather(let axis):
            if inputs.count == 2, inputs[1] == nil, let table = inputs[0], axis == 0 || axis == -table.shape.count {
                return try EmbeddingKernel(table: table, nodeName: node.name)
            }
            guard inputs.count == 2, let indices = inputs[1] else {
                throw ModelValidationError("Gather by computed indices is supported from a constant table along its axis 0 only")
            }
            return GatherKernel(axis: axis, indices: try integers(indices, of: "Gather's indices"), indicesShape: indices.shape)
        case .cumulativeSum(let exclusive, let reverse):
            guard inputs.count == 2, let axis = inputs[1] else { throw ModelValidationError("CumSum needs a constant axis") }
            let axes = try integers(axis, of: "CumSum's axis")
            guard axes.count == 1 else { throw ModelValidationError("CumSum's axis has \(axes.count) values, not one") }
            return CumulativeSumKernel(axis: axes[0], exclusive: exclusive, reverse: reverse)
        case .gatherElements(let axis): return GatherElementsKernel(axis: axis, nodeName: node.name)
        case .tableLookup:
            guard inputs.count == 2, let table = inputs[0] else { throw ModelValidationError("a lookup needs a constant table") }
            return try TableLookupKernel(table: table, nodeName: node.name)
        case .neighborDistances(let metric):
            guard inputs.count == 2, let references = inputs[1] else { throw ModelValidationError("distances need constant reference rows") }
            return try NeighborDistanceKernel(metric: metric, references: references)
        case .topK(let axis, let largest):
            guard inputs.count == 2, let count = inputs[1] else { throw ModelValidationError("TopK needs a constant k") }
            let counts = try integers(count, of: "TopK's k")
            guard counts.count == 1 else { throw ModelValidationError("TopK's k has \(counts.count) values, not one") }
            return TopKKernel(axis: axis, largest: largest, count: counts[0])
        case .oneHotEncoder(let categories, let refusesUnknown):
            return OneHotEncoderKernel(categories: categories, refusesUnknown: refusesUnknown, nodeName: node.name)
        case .arrayFeatureExtractor:
            guard inputs.count == 2, let indices = inputs[1] else {
                throw ModelValidationError("ArrayFeatureExtractor by computed indices is not supported (only its label branch, which Berth does not run)")
            }
            return ArrayFeatureExtractorKernel(indices: try integers(indices, of: "ArrayFeatureExtractor's indices"))
        case .relu, .leakyRelu, .sigmoid, .tanh: return UnaryKernel(function: .activation(node.operation.activation!))
        case .softmax(let axis, let legacy): return SoftmaxKernel(axis: axis, legacy: legacy, logarithm: false)
        case .logSoftmax(let axis, let legacy): return SoftmaxKernel(axis: axis, legacy: legacy, logarithm: true)
        case .argMax(let axis, let keepDims, let selectLastIndex):
            return ArgMaxKernel(axis: axis, keepDims: keepDims, selectLastIndex: selectLastIndex, smallest: false)
        case .argMin(let axis, let keepDims, let selectLastIndex):
            return ArgMaxKernel(axis: axis, keepDims: keepDims, selectLastIndex: selectLastIndex, smallest: true)
        case .cast(.float): return ViewKernel(change: .identity, parameter: nil)
        case .cast(.integer): return UnaryKernel(function: .truncate)
        case .cast(.boolean): return UnaryKernel(function: .nonZero)
        case .identity: return ViewKernel(change: .identity, parameter: nil)
        case .reshape(let allowZero):
            guard inputs.count == 2, let shape = inputs[1] else { throw ModelValidationError("Reshape needs a constant shape input") }
            return ViewKernel(change: .reshape(allowZero: allowZero), parameter: try integers(shape, of: "Reshape's shape"))
        case .reshapeLike: return ViewKernel(change: .reshapeLike, parameter: nil)
        case .flatten(let axis): return ViewKernel(change: .flatten(axis: axis), parameter: nil)
        case .slice(let starts, let ends, let axes):
            guard let starts, let ends else {
                // Opset 10 on: starts, ends, then optional axes and steps, constant inputs.
                // Whole numbers; past ±2³¹ (INT64_MAX, "to the end") clamped, which the clamping to the axis leaves the same.
                func constant(_ index: Int, _ what: String) throws(ModelValidationError) -> [Int]? {
                    guard index < inputs.count else { return nil }
                    guard let tensor = inputs[index] else { throw ModelValidationError("Slice needs constant \(what)") }
                    return try tensor.values.map { value throws(ModelValidationError) in
                        guard value.rounded() == value else { throw ModelValidationError("Slice's \(what) holds \(value), which is not an index") }
                        return Int(max(min(value, Float(Int32.max)), Float(Int32.min)))
                    }
                }
                let given = try constant(1, "starts") ?? []
                return SliceKernel(starts: given, ends: try constant(2, "ends") ?? [], axes: try constant(3, "axes"),
                                   steps: try constant(4, "steps") ?? [Int](repeating: 1, count: given.count),
                                   constantInputIndices: Set(1..<inputs.count))
            }
            return SliceKernel(starts: starts, ends: ends, axes: axes, steps: [Int](repeating: 1, count: starts.count), constantInputIndices: [])
        case .lpNormalization(let axis, let order): return LpNormalizationKernel(axis: axis, order: order)
        case .channelAffine(let scale, let bias): return ChannelAffineKernel(scale: scale, bias: bias)
        case .layerNormalization(let axis, let epsilon): return LayerNormalizationKernel(axis: axis, epsilon: epsilon)
        case .labelEncoder(let keys, let values, let fallback): return try LabelEncoderKernel(keys: keys, values: values, fallback: fallback)
        case .squeeze(let axes):
            return ViewKernel(change: .squeeze(axes: axes), parameter: try axesInput(inputs, when: axes == nil, node: "Squeeze"))
        case .unsqueeze(let axes):
            return ViewKernel(change: .unsqueeze(axes: axes), parameter: try axesInput(inputs, when: axes == nil, node: "Unsqueeze"))
        case .concat(let axis): return ConcatKernel(axis: axis)
        case .transpose(let permutation): return TransposeKernel(permutation: permutation)
        case .scaler(let offset, let scale): return FeatureKernel(function: .scale(offset: offset, scale: scale))
        case .imputer(let values, let replaced): return FeatureKernel(function: .impute(values: values, replaced: replaced))
        case .normalizer(let norm): return NormalizerKernel(norm: norm)
        case .linearRegressor(let linear), .linearClassifier(let linear):
            let isClassifier: Bool
            if case .linearClassifier = node.operation { isClassifier = true } else { isClassifier = false }
            guard linear.outputCount > 0, linear.coefficients.count % linear.outputCount == 0 else {
                throw ModelValidationError("\(linear.coefficients.count) coefficients do not split into \(linear.outputCount) outputs")
            }
            let features = linear.coefficients.count / linear.outputCount
            guard linear.intercepts.isEmpty || linear.intercepts.count == linear.outputCount else {
                throw ModelValidationError("\(linear.intercepts.count) intercepts for \(linear.outputCount) outputs")
            }
            var packed = [Float](repeating: 0, count: linear.coefficients.count)
            for output in 0..<linear.outputCount {
                for feature in 0..<features { packed[feature * linear.outputCount + output] = linear.coefficients[output * features + feature] }
            }
            let dense = try DenseKernel(DenseWeights(inner: features, columns: linear.outputCount, weights: packed, bias: linear.intercepts),
                                        parallelism: parallelism, compiler: deviceKernels.dense)
            return LinearKernel(dense: dense, postTransform: linear.postTransform,
                                widensBinary: isClassifier && linear.outputCount == 1 && linear.labelCount == 2)
        case .supportVectorRegressor(let operation): return try SupportVectorKernel(operation, isClassifier: false)
        case .supportVectorClassifier(let operation): return try SupportVectorKernel(operation, isClassifier: true)
        case .treeEnsemble(let operation):
            // The trees read the features of their input tensor, which may be wider than the features they split on.
            var ensemble = operation.ensemble
            guard let width = shapes.first?.last, width >= ensemble.featureCount else {
                throw ModelValidationError("the trees split on feature \(ensemble.featureCount - 1) but the input has \(shapes.first?.last ?? 0)")
            }
            ensemble.featureCount = width
            let model: any CompiledModel = if let compileTrees = deviceKernels.trees {
                try compileTrees(ensemble)
            } else {
                try CPUTreeEnsembleModel(ensemble, parallelism: parallelism)
            }
            return TreeEnsembleKernel(model: model, operation: operation)
        }
    }

    private static func axesInput(_ inputs: [ConstantTensor?], when needed: Bool, node: String) throws(ModelValidationError) -> [Int]? {
        guard needed, inputs.count >= 2 else { return nil }
        guard let axes = inputs[1] else { throw ModelValidationError("\(node) needs constant axes") }
        return try integers(axes, of: "\(node)'s axes")
    }

    /// A constant that holds integers (a shape, axes) as Berth stores every constant, in float32: each value must
    /// be a whole number a tensor dimension can be, or the model is refused.
    private static func integers(_ tensor: ConstantTensor, of what: String) throws(ModelValidationError) -> [Int] {
        if let value = tensor.values.first(where: { !ConstantTensor.isWholeNumber($0) }) {
            throw ModelValidationError("\(what) holds \(value), which is not a dimension")
        }
        return tensor.values.map { Int($0) }
    }
}
