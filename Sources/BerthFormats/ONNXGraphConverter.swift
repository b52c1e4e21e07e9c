import BerthCore
import BerthText

/// Turns ONNX nodes into `OperatorNode`s one at a time, tracking what the answer needs: constants (initializers
/// and Constant nodes), which tensors carry class probabilities and with which labels, ZipMap aliases, and the
/// label outputs of classifiers (which Berth does not compute: the label is the most probable class).
struct GraphConverter {
    let opset: Int
    var constants = [String: ConstantTensor]()
    /// Tensors holding class probabilities (or scores), with the labels of their classes.
    var labels = [String: ClassLabels]()
    /// Each output of a node that keeps its first input's columns (Identity, a Cast to float, Normalizer,
    /// LpNormalization, Sub, Div, Exp), with that input: its labels, found when asked (`labels(of:)`), even where a
    /// label branch later in the file names them (an `ArrayFeatureExtractor` of class names by an ArgMax, after a
    /// OneVsRest's LpNormalization).
    private var carriedFrom = [String: String]()
    /// A ZipMap's output is its input's values.
    var alias = [String: String]()
    /// The first outputs of LinearClassifier and TreeEnsembleClassifier.
    var labelOutputs = Set<String>()
    /// Scores that are not one a class (an SVMClassifier's pairwise decisions): a ZipMap of them labels nothing.
    private var decisionOutputs = Set<String>()
    /// Each Shape node's output, with the tensor it is the shape of: Berth runs a Shape only under a ConstantOfShape,
    /// the two together a tensor like that one, filled.
    var shapes = [String: String]()
    /// Tensors the converter named itself (a Sum of several inputs' partial sums, a k-NN regressor's reshape), which no
    /// node of the file may write.
    var intermediates = Set<String>()
    /// A k-NN Scan's distances, held in another shape than the file's (`GraphConverter+Neighbors`).
    var transposedDistances = Set<String>()
    /// Lookups by computed indices, held the batch first, with the one node that may read each next.
    var lookups = [String: LookupReader]()
    /// Reshapes to `[1, -1, C]` that only a Concat on axis 0 may read, and those Concats, which only a mean or sum over
    /// axis 0 may read: a bagging ensemble's average (`GraphConverter+Stacks`).
    var stackParts = [String: HeldStack]()
    var stacks = [String: HeldStack]()
    /// Concats on axis 0 by their parts, and Reshapes of them to a row a part: what a Transpose `[1, 0]` turns into
    /// the parts side by side (`GraphConverter+Stacks`).
    var concatenatedParts = [String: [String]]()
    var partRows = [String: [String]]()
    /// The batch size of a tensor, taken from its Shape, and shapes built from it (`GraphConverter+BatchSize`).
    var batchSizes = [String: String]()
    var batchShapes = [String: BatchShape]()
    /// Operations of a computed tensor and one value held in more dimensions, with the operands and which is the value.
    var operationsWithOneValue = [String: (operation: GraphOperation, operands: [String], constantIndex: Int)]()
    /// STRING tensors (initializers and Constant nodes): class names, which only a label branch reads.
    var stringConstants = [String: [String]]()
    /// Tensors the file types as integers, and those of them a truncation was added after (`GraphConverter+IntegerTensors`).
    var integerTensors = Set<String>()
    var truncatedIntegerResults = Set<String>()
    /// Tensors onnxruntime holds as the request's values flattened into one row, held `[N, F]`, and tensors computed
    /// from constants alone, which are not (`GraphConverter+FlattenedRows`).
    var flattenedRows = Set<String>()
    var computedFromConstants = Set<String>()
    /// Tensors whose batch axis an export moved to the middle, held as they were (`GraphConverter+MiddleBatch`).
    var middleBatch = Set<String>()
    /// Each ArgMax over the last axis of rows × classes: its output, with the tensor it takes the arg max of.
    private var argMaxInputs = [String: String]()
    var converted = [OperatorNode]()
    /// A node left out of the graph Berth runs: as a message names it, and why when Berth runs its operator but
    /// could not take the node (nil: an operator Berth does not run).
    struct SkippedNode {
        /// The operator, with its domain when it is not the default one (`ai.onnx.ml.SVMClassifier`).
        let operatorName: String
        let nodeName: String
        let failure: ModelReadError.Reason?
    }

    /// Every node's inputs and outputs in graph order, and whether it was skipped: what tells whether an answer needs
    /// a skipped node.
    var dependencies = [(inputs: [String], outputs: [String], skipped: SkippedNode?)]()

    init(opset: Int) { self.opset = opset }

    mutating func add(_ node: ONNXNodeProto) throws(ModelReadError.Reason) {
        // Every ONNX operator writes at least one output; a node naming none computes nothing anyone can read.
        guard node.outputs.contains(where: { !$0.isEmpty }) else { throw .init("node \(quoted: node.name) names no output") }
        let inputs = node.inputs.map { alias[$0] ?? $0 }
        if let shapeIndex = inputs.firstIndex(where: { shapes[$0] != nil }),
           !(node.opType == "ConstantOfShape" || node.opType == "Reshape" && shapeIndex == 1 || node.opType == "Gather" && shapeIndex == 0) {
            throw .init("\(node.opType) \(quoted: node.name) reads the Shape \(quoted: inputs[shapeIndex]), which Berth computes only for a ConstantOfShape, as a Reshape's target, or for its batch size (a Gather of index 0)")
        }
        try checkHeldNeighborTensors(node)
        try checkHeldStacks(node)
        try checkBatchSizeReaders(node)
        try checkFlattenedRowsReaders(node, inputs)
        try checkMiddleBatchReaders(node, inputs)
        if let taken = node.outputs.first(where: intermediates.contains) {
            throw .init("node \(quoted: node.name) writes \(quoted: taken), a name Berth gave a tensor of its own: rename it")
        }
        dependencies.append((inputs, node.outputs, nil))
        if let text = inputs.first(where: { stringConstants[$0] != nil }) {
            throw .init("\(node.opType) \(quoted: node.name) takes the string tensor \(quoted: text); Berth's operators take numbers")
        }
        let attributes = node.attributes
        func float(_ name: String, _ fallback: Float) -> Float { attributes[name]?.float ?? fallback }
        func int(_ name: String, _ fallback: Int) -> Int { attributes[name]?.int ?? fallback }
        func floats(_ name: String) -> [Float] { attributes[name]?.floats ?? [] }
        func emit(_ operation: GraphOperation, outputs: [String]? = nil) {
            converted.append(OperatorNode(name: node.name, operation: operation, inputs: inputs, outputs: outputs ?? node.outputs))
        }
        func carryLabels() { if let input = inputs.first, let output = node.outputs.first { carriedFrom[output] = input } }
        try checkIntegerLogSumExp(node, inputs)
        noteIntegerOutputs(node, inputs)
        defer {
            truncateIntegerResult(node, inputs)
            noteFlattenedRows(node, inputs)
        }

        switch node.opType {
        case "Constant":
            guard let output = node.outputs.first else { return }
            if let tensor = attributes["value"]?.tensor, let strings = tensor.strings {
                stringConstants[output] = strings
            } else if let tensor = attributes["value"]?.tensor {
                constants[output] = ConstantTensor(shape: tensor.dims, values: tensor.values)
            } else if let value = attributes["value_float"]?.float {
                constants[output] = ConstantTensor(shape: [], values: [value])
            } else if let values = attributes["value_floats"]?.floats {
                constants[output] = ConstantTensor(shape: [values.count], values: values)
            } else if let value = attributes["value_int"]?.int {
                constants[output] = ConstantTensor(shape: [], values: [Float(value)])
            } else if let values = attributes["value_ints"]?.ints {
                constants[output] = ConstantTensor(shape: [values.count], values: values.map(Float.init))
            } else {
                throw .init("Constant \(quoted: node.name) has no numeric value")
            }
        case "ZipMap":
            guard let input = inputs.first, let output = node.outputs.first else { return }
            alias[output] = input
            if !decisionOutputs.contains(input) { labels[output] = try classLabels(node) ?? labels(of: input) }
        case "Gemm":
            let gemm = GraphOperation.gemm(alpha: float("alpha", 1), beta: float("beta", 1), transA: int("transA", 0) != 0,
                                           transB: int("transB", 0) != 0)
            if inputs.count == 3, !inputs[2].isEmpty, constants[inputs[2]] == nil {
                addGemmOfComputedC(node, inputs, gemm: gemm)
            } else {
                emit(gemm)
            }
        case "MatMul":
            if inputs.count == 2, let vector = constants[inputs[1]], vector.shape.count == 1 {
                addMatMulByVector(node, inputs, vector)
            } else {
                emit(.matMul)
            }
        // Of two constants, each is worked out here (`foldsArithmeticOfConstants`); the Mul that ends an exact GELU
        // written out in five nodes runs as one (`addFusedGELU`).
        case "Add", "Sub", "Mul", "Div":
            guard !foldsArithmeticOfConstants(node, inputs), !(node.opType == "Mul" && addFusedGELU(node, inputs)) else { break }
            if node.opType == "Mul", let integer = integerMultipliedByZero(inputs) {
                converted.append(OperatorNode(name: node.name, operation: .fill(value: 0), inputs: [integer], outputs: node.outputs))
                break
            }
            let operation: GraphOperation = ["Add": .add, "Sub": .subtract, "Mul": .multiply][node.opType] ?? .divide
            if try addArithmeticOfMiddleBatch(node, inputs, operation) { break }
            noteOperationWithOneValue(node, inputs, operation)
            emit(operation)
            // Class scores minus a row's normaliser (a naive Bayes model's log-sum-exp) are still one a class, and so
            // are scores divided by their sum (a k-NN classifier's votes).
            if node.opType == "Sub" || node.opType == "Div" { carryLabels() }
        case "Pow": emit(.power)
        case "Greater": emit(.greater)
        case "Less": emit(.less)
        case "Equal": emit(.equal)
        case "GreaterOrEqual": emit(.greaterOrEqual)
        case "LessOrEqual": emit(.lessOrEqual)
        case "And": emit(.and)
        case "Or": emit(.or)
        case "Xor": emit(.xor)
        case "Where": emit(.select)
        case "IsNaN": emit(.unaryMath(.isNaN))
        case "Exp": emit(.unaryMath(.exp)); carryLabels()
        case "Log": emit(.unaryMath(.log))
        case "Sqrt": emit(.unaryMath(.sqrt))
        case "Reciprocal": emit(.unaryMath(.reciprocal))
        case "Neg": emit(.unaryMath(.negate))
        case "Abs": emit(.unaryMath(.absolute))
        case "Not": emit(.unaryMath(.logicalNot))
        case "Sum": try chain(.add, node, inputs)
        case "Max": try chain(.maximum, node, inputs)
        case "Min": try chain(.minimum, node, inputs)
        case "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceLogSumExp", "ReduceSumSquare", "ReduceL1",
             "ReduceL2", "ReduceLogSum":
            let reductions: [String: Reduction] = ["ReduceSum": .sum, "ReduceMean": .mean, "ReduceMax": .maximum, "ReduceMin": .minimum,
                                                   "ReduceProd": .product, "ReduceLogSumExp": .logSumExp, "ReduceSumSquare": .sumOfSquares,
                                                   "ReduceL1": .l1, "ReduceL2": .l2, "ReduceLogSum": .logSum]
            if let stack = inputs.first.flatMap({ stacks[$0] }) {
                try addReductionOfStack(node, inputs, stack: stack, keepDims: int("keepdims", 1) != 0)
            } else {
                emit(.reduce(reductions[node.opType]!, axes: attributes["axes"]?.ints, keepDims: int("keepdims", 1) != 0,
                             noopWithEmptyAxes: int("noop_with_empty_axes", 0) != 0))
            }
        case "Gather":
            if let source = inputs.first.flatMap({ shapes[$0] }) {
                try addGatherOfShape(node, inputs, shapeOf: source)
            } else if inputs.count == 2, let data = constants[inputs[0]], data.shape.count == 1, let indices = constants[inputs[1]] {
                try addGatherOfConstants(node, data: data, indices: indices)
            } else {
                emit(.gather(axis: int("axis", 0)))
            }
        case "OneHotEncoder":
            guard let categories = attributes["cats_int64s"]?.ints, !categories.isEmpty else {
                throw .init("OneHotEncoder \(quoted: node.name) has no cats_int64s (string categories need string inputs, which Berth does not take)")
            }
            // zeros (default 1): 0 fails the request on a value that is no category, as onnxruntime does.
            emit(.oneHotEncoder(categories: categories, refusesUnknown: int("zeros", 1) == 0))
        case "Shape":
            guard attributes["start"] == nil, attributes["end"] == nil, let input = inputs.first, let output = node.outputs.first else {
                throw .init("Shape \(quoted: node.name) takes part of a shape (start, end), which Berth does not compute")
            }
            addShape(of: input, output: output)
        case "ConstantOfShape":
            let fill = attributes["value"]?.tensor?.values ?? [0]
            guard fill.count == 1 else { throw .init("ConstantOfShape \(quoted: node.name) has a value of \(fill.count) elements, not one") }
            if let input = inputs.first, let shape = batchShapes[input] {
                converted.append(OperatorNode(name: node.name, operation: .fillRows(trailing: shape.trailing, value: fill[0]),
                                              inputs: [shape.source], outputs: node.outputs))
                break
            }
            if let input = inputs.first, let shape = constants[input] {
                try addConstantOfConstantShape(node, shape: shape, fill: fill[0])
                break
            }
            guard let input = inputs.first, let shaped = shapes[input] else {
                throw .init("ConstantOfShape \(quoted: node.name) takes a shape that is not a Shape node's; Berth fills only the shape of a tensor")
            }
            converted.append(OperatorNode(name: node.name, operation: .fill(value: fill[0]), inputs: [shaped], outputs: node.outputs))
        case "Binarizer": emit(.binarizer(threshold: float("threshold", 0)))
        case "ArrayFeatureExtractor":
            // By the ArgMax of a classifier's probabilities it computes a label, which Berth does not: left to `skip`,
            // which takes the class names from it.
            if inputs.count == 2, argMaxInputs[inputs[1]] != nil {
                throw .init("ArrayFeatureExtractor \(quoted: node.name) picks a label by the ArgMax of the probabilities")
            }
            if inputs.count == 2, let table = constants[inputs[0]], constants[inputs[1]] == nil {
                addLookup(node, inputs, table: table)
            } else {
                emit(.arrayFeatureExtractor)
            }
        case "Scan": try addScan(node, inputs)
        case "TopK":
            guard opset >= 10 else { throw .init("TopK \(quoted: node.name) takes k as an attribute (opset 9); re-export with opset 10 or later") }
            emit(.topK(axis: int("axis", -1), largest: int("largest", 1) != 0))
        case "CumSum": emit(.cumulativeSum(exclusive: int("exclusive", 0) != 0, reverse: int("reverse", 0) != 0))
        case "GatherElements": emit(.gatherElements(axis: int("axis", 0)))
        case "Relu": emit(.relu)
        case "LeakyRelu": emit(.leakyRelu(alpha: float("alpha", 0.01)))
        case "Sigmoid": emit(.sigmoid)
        case "Tanh": emit(.tanh)
        case "Softmax", "LogSoftmax":
            let legacy = opset < 13
            let axis = int("axis", legacy ? 1 : -1)
            emit(node.opType == "Softmax" ? .softmax(axis: axis, legacy: legacy) : .logSoftmax(axis: axis, legacy: legacy))
        case "ArgMax":
            let axis = int("axis", 0)
            // Over the class axis only: the arg max down the rows picks no class.
            if [1, -1].contains(axis), let input = inputs.first, let output = node.outputs.first { argMaxInputs[output] = input }
            emit(.argMax(axis: axis, keepDims: int("keepdims", 1) != 0, selectLastIndex: int("select_last_index", 0) != 0))
        case "ArgMin":
            emit(.argMin(axis: int("axis", 0), keepDims: int("keepdims", 1) != 0, selectLastIndex: int("select_last_index", 0) != 0))
        case "Clip": try addClip(node, inputs)
        case "Erf": emit(.unaryMath(.erf))
        case "Softplus": emit(.unaryMath(.softplus))
        case "Softsign": emit(.unaryMath(.softsign))
        case "Elu": emit(.unaryMath(.elu(alpha: float("alpha", 1))))
        case "Selu": emit(.unaryMath(.selu(alpha: float("alpha", 1.673_263_192_176_818_847_656_25), gamma: float("gamma", 1.050_701_022_148_132_324_218_75))))
        case "Celu": emit(.unaryMath(.celu(alpha: float("alpha", 1))))
        case "HardSigmoid": emit(.unaryMath(.hardSigmoid(alpha: float("alpha", 0.2), beta: float("beta", 0.5))))
        case "HardSwish": emit(.unaryMath(.hardSwish))
        case "Mish": emit(.unaryMath(.mish))
        case "Shrink": emit(.unaryMath(.shrink(bias: float("bias", 0), lambda: float("lambd", 0.5))))
        case "ThresholdedRelu": emit(.unaryMath(.thresholdedRelu(alpha: float("alpha", 1))))
        case "Gelu":
            switch attributes["approximate"]?.string ?? "none" {
            case "none": emit(.unaryMath(.gelu(tanhApproximation: false)))
            case "tanh": emit(.unaryMath(.gelu(tanhApproximation: true)))
            case let other: throw .init("Gelu \(quoted: node.name) has approximate \(other); ONNX defines none and tanh")
            }
        case "PRelu": emit(.parametricRelu)
        case "BatchNormalization": try addBatchNormalization(node, inputs, epsilon: float("epsilon", 1e-5), trainingMode: int("training_mode", 0))
        case "LayerNormalization":
            guard int("stash_type", 1) == 1 else {
                throw .init("LayerNormalization \(quoted: node.name) computes its statistics in a type other than float (stash_type \(int("stash_type", 1)))")
            }
            guard node.outputs.dropFirst().allSatisfy(\.isEmpty) else {
                throw .init("LayerNormalization \(quoted: node.name) writes its mean and inverse deviation, which are for training; export in eval mode")
            }
            emit(.layerNormalization(axis: int("axis", -1), epsilon: float("epsilon", 1e-5)))
        case "Dropout": try addDropout(node, inputs)
        case "Cast" where inputs.first.map { batchSizes[$0] != nil || batchShapes[$0] != nil } == true:
            // A batch size or a shape built from one, cast between integer types: the same.
            guard let input = inputs.first, let output = node.outputs.first else { return }
            if let source = batchSizes[input] { batchSizes[output] = source }
            if let shape = batchShapes[input] { batchShapes[output] = shape }
        case "Cast":
            switch int("to", 1) {
            case 1, 10, 11: emit(.cast(.float)); carryLabels()
            case 2, 3, 4, 5, 6, 7, 12, 13: emit(.cast(.integer))
            case 9: emit(.cast(.boolean))
            case let other: throw .init("Cast \(quoted: node.name) converts to data type \(other), which Berth does not compute")
            }
        case "Reshape":
            if inputs.count == 2, let shape = batchShapes[inputs[1]] {
                try addReshapeToBatchShape(node, inputs, shape: shape)
            } else if inputs.count == 2, let shaped = shapes[inputs[1]] {
                converted.append(OperatorNode(name: node.name, operation: .reshapeLike, inputs: [inputs[0], shaped], outputs: node.outputs))
            } else if case .reshapeToTableRows(let rows)? = inputs.first.flatMap({ lookups[$0] }) {
                try addReshapeOfTableRows(node, inputs, rows: rows)
            } else if holdStackPart(node, inputs) || addReshapeOfScalarOperation(node, inputs) {
                break
            } else {
                noteRowsOfParts(node, inputs)
                emit(.reshape(allowZero: int("allowzero", 0) != 0))
            }
        case "Flatten":
            if !holdFlattenedRows(node, inputs, axis: int("axis", 1)) { emit(.flatten(axis: int("axis", 1))) }
        case "Slice":
            if opset < 10 {
                guard let starts = attributes["starts"]?.ints, let ends = attributes["ends"]?.ints else {
                    throw .init("Slice \(quoted: node.name) has no starts or ends")
                }
                emit(.slice(starts: starts, ends: ends, axes: attributes["axes"]?.ints))
            } else {
                emit(.slice(starts: nil, ends: nil, axes: nil))
            }
        case "Split": try addSplit(node, inputs)
        case "LpNormalization": emit(.lpNormalization(axis: int("axis", -1), order: int("p", 2))); carryLabels()
        case "Concat":
            guard let axis = attributes["axis"]?.int else { throw .init("Concat \(quoted: node.name) has no axis") }
            if inputs.contains(where: { stackParts[$0] != nil }) {
                try holdStack(node, inputs)
            } else if let source = inputs.first.flatMap({ batchSizes[$0] }) {
                try addBatchShape(node, inputs, source: source)
            } else if axis == 0, inputs.allSatisfy({ constants[$0]?.shape.count == 1 }), let output = node.outputs.first {
                // Dimensions of constants' shapes, say: worked out here.
                let values = inputs.flatMap { constants[$0]!.values }
                constants[output] = ConstantTensor(shape: [values.count], values: values)
            } else {
                if axis == 0 { noteConcatOnAxis0(node, inputs) }
                emit(.concat(axis: axis))
            }
        case "Identity": emit(.identity); carryLabels()
        case "Transpose":
            if let held = inputs.first, transposedDistances.contains(held) || lookups[held] == .transposeOfTableRows {
                try addTransposeBack(node, inputs)
            } else if let parts = inputs.first.flatMap({ partRows[$0] }), attributes["perm"]?.ints == [1, 0] {
                addColumnsOfParts(node, parts: parts)
            } else if holdMiddleBatch(node, inputs, permutation: attributes["perm"]?.ints ?? []) {
                break
            } else {
                emit(.transpose(permutation: attributes["perm"]?.ints ?? []))
            }
        case "Squeeze": emit(.squeeze(axes: attributes["axes"]?.ints))
        case "Unsqueeze":
            if let source = inputs.first.flatMap({ batchSizes[$0] }) {
                try addUnsqueezeOfBatchSize(node, inputs, source: source)
            } else {
                emit(.unsqueeze(axes: attributes["axes"]?.ints))
            }
        case "Scaler": emit(.scaler(offset: floats("offset").isEmpty ? [0] : floats("offset"), scale: floats("scale").isEmpty ? [1] : floats("scale")))
        case "Normalizer":
            switch attributes["norm"]?.string ?? "MAX" {
            case "MAX": emit(.normalizer(.max))
            case "L1": emit(.normalizer(.l1))
            case "L2": emit(.normalizer(.l2))
            case let other: throw .init("Normalizer \(quoted: node.name) has norm \(other)")
            }
            carryLabels()
        case "LabelEncoder":
            // Numeric keys and values only; integer keys must be floats exactly, as Berth holds the values it looks up.
            let integerKeys = attributes["keys_int64s"]?.ints ?? []
            guard integerKeys.allSatisfy({ abs($0) <= 1 << 24 }) else {
                throw .init("LabelEncoder \(quoted: node.name) has integer keys past 2^24, which Berth cannot tell apart")
            }
            let keys = integerKeys.isEmpty ? floats("keys_floats") : integerKeys.map(Float.init)
            let integerValues = attributes["values_int64s"]?.ints ?? []
            let values = integerValues.isEmpty ? floats("values_floats") : integerValues.map(Float.init)
            guard !keys.isEmpty, !values.isEmpty else {
                throw .init("LabelEncoder \(quoted: node.name) maps strings, which Berth does not take; it maps numbers to numbers")
            }
            let fallback = integerValues.isEmpty ? float("default_float", -0.0) : Float(int("default_int64", -1))
            emit(.labelEncoder(keys: keys, values: values, fallback: fallback))
        case "Imputer":
            let values = floats("imputed_value_floats")
            guard !values.isEmpty else { throw .init("Imputer \(quoted: node.name) has no imputed_value_floats (integer imputers are not supported)") }
            emit(.imputer(values: values, replaced: float("replaced_value_float", 0)))
        case "LinearRegressor":
            let targets = int("targets", 1)
            emit(.linearRegressor(LinearModelOperation(coefficients: floats("coefficients"), intercepts: floats("intercepts"), outputCount: targets,
                                                       postTransform: try ONNXAttributes.postTransform(attributes["post_transform"], node: node),
                                                       labelCount: 0)))
        case "LinearClassifier":
            guard let classLabels = try classLabels(node), node.outputs.count >= 2 else {
                throw .init("LinearClassifier \(quoted: node.name) has no class labels or no scores output")
            }
            let intercepts = floats("intercepts")
            let outputs = intercepts.isEmpty ? classLabels.count : intercepts.count
            emit(.linearClassifier(LinearModelOperation(coefficients: floats("coefficients"), intercepts: intercepts, outputCount: outputs,
                                                        postTransform: try ONNXAttributes.postTransform(attributes["post_transform"], node: node),
                                                        labelCount: classLabels.count)),
                 outputs: [node.outputs[1]])
            labelOutputs.insert(node.outputs[0])
            labels[node.outputs[1]] = classLabels
        case "SVMRegressor":
            // n_supports is required; without it onnxruntime refuses the node, where reading 0 would take the support
            // vectors' coefficients for feature weights.
            guard attributes["n_supports"] != nil || floats("support_vectors").isEmpty else {
                throw .init("SVMRegressor \(quoted: node.name) has support vectors but no n_supports")
            }
            emit(.supportVectorRegressor(SupportVectorOperation(
                kernel: try ONNXAttributes.supportVectorKernel(attributes["kernel_type"], parameters: floats("kernel_params"), node: node),
                supportVectors: floats("support_vectors"), vectorCount: int("n_supports", 0), coefficients: floats("coefficients"),
                rho: floats("rho"), oneClass: int("one_class", 0) != 0)))
        case "SVMClassifier":
            guard let classLabels = try classLabels(node), node.outputs.count >= 2 else {
                throw .init("SVMClassifier \(quoted: node.name) has no class labels or no scores output")
            }
            let perClass = attributes["vectors_per_class"]?.ints ?? []
            guard perClass.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) }) else {
                throw .init("SVMClassifier \(quoted: node.name) has a negative or impossibly large vectors_per_class")
            }
            let operation = SupportVectorOperation(
                kernel: try ONNXAttributes.supportVectorKernel(attributes["kernel_type"], parameters: floats("kernel_params"), node: node),
                supportVectors: floats("support_vectors"), vectorCount: perClass.reduce(0, +), coefficients: floats("coefficients"),
                rho: floats("rho"), classCount: classLabels.count, vectorsPerClass: perClass, probabilityA: floats("prob_a"),
                probabilityB: floats("prob_b"), postTransform: try ONNXAttributes.postTransform(attributes["post_transform"], node: node))
            emit(.supportVectorClassifier(operation), outputs: [node.outputs[1]])
            labelOutputs.insert(node.outputs[0])
            if operation.answersDecisions {
                decisionOutputs.insert(node.outputs[1])
            } else {
                labels[node.outputs[1]] = classLabels
            }
        case "TreeEnsembleRegressor", "TreeEnsembleClassifier":
            let isClassifier = node.opType == "TreeEnsembleClassifier"
            let result = try ONNXTreeEnsembleConverter(node: node, attribute: { attributes[$0] }).convert(isClassifier: isClassifier)
            if isClassifier {
                guard node.outputs.count >= 2 else { throw .init("TreeEnsembleClassifier \(quoted: node.name) has no scores output") }
                emit(.treeEnsemble(result.operation), outputs: [node.outputs[1]])
                labelOutputs.insert(node.outputs[0])
                labels[node.outputs[1]] = result.labels
            } else {
                emit(.treeEnsemble(result.operation))
            }
        default:
            throw .init("uses operator \(excerpt: node.opType) (node \(quoted: node.name)), which Berth does not run")
        }
    }

    /// The class labels of `name`: its own, or those of the tensor whose columns it keeps.
    func labels(of name: String) -> ClassLabels? {
        var current = name
        // Each step goes to a node earlier in the file, so the walk ends; the bound only guards a hostile file's cycle.
        for _ in 0...carriedFrom.count {
            if let found = labels[current] { return found }
            guard let source = carriedFrom[current] else { return nil }
            current = source
        }
        return nil
    }

    private func classLabels(_ node: ONNXNodeProto) throws(ModelReadError.Reason) -> ClassLabels? {
        if let strings = node.attributes["classlabels_strings"]?.strings, !strings.isEmpty { return .strings(strings) }
        if let ints = node.attributes["classlabels_int64s"]?.ints ?? node.attributes["classlabels_ints"]?.ints, !ints.isEmpty {
            return .integers(ints)
        }
        return nil
    }

    /// Records a node left out — its operator is not one Berth runs (`failure` nil), or `add` refused it — so that
    /// an answer needing one of its outputs is refused, and one that does not is served.
    ///
    /// An `ArrayFeatureExtractor` that picks a class name by the arg max of a tensor (skl2onnx's label output of a
    /// classifier without ZipMap, such as an MLPClassifier's) names that tensor's classes: its labels.
    mutating func skip(_ node: ONNXNodeProto, because failure: ModelReadError.Reason?) {
        let inputs = node.inputs.map { alias[$0] ?? $0 }
        if node.opType == "ArrayFeatureExtractor", node.domain == "ai.onnx.ml", inputs.count == 2,
           let probabilities = argMaxInputs[inputs[1]], labels(of: probabilities) == nil {
            if let names = stringConstants[inputs[0]], !names.isEmpty {
                labels[probabilities] = .strings(names)
            } else if let classes = constants[inputs[0]], !classes.values.isEmpty,
                      classes.values.allSatisfy({ $0 == $0.rounded() && abs($0) < 16_777_216 }) {
                labels[probabilities] = .integers(classes.values.map { Int($0) })
            }
        }
        // `add` records a node before it can refuse it; the record is replaced.
        if failure != nil, let last = dependencies.last, last.outputs == node.outputs, last.skipped == nil { dependencies.removeLast() }
        dependencies.append((inputs, node.outputs, SkippedNode(operatorName: (node.domain.isEmpty ? "" : node.domain + ".") + node.opType,
                                                               nodeName: node.name, failure: failure)))
    }

    /// The skipped nodes `answer` depends on, in graph order; empty when Berth runs them all.
    func skipped(needing answer: String) -> [SkippedNode] {
        var needed: Set<String> = [answer]
        var found = [SkippedNode]()
        for node in dependencies.reversed() where node.outputs.contains(where: needed.contains) {
            needed.formUnion(node.inputs.filter { !$0.isEmpty })
            if let skipped = node.skipped { found.append(skipped) }
        }
        return found.reversed()
    }

    /// The nodes the answer depends on, in order; a needed node that reads a classifier's label output is refused.
    func nodes(needing answer: String, input: String) throws(ModelReadError.Reason) -> [OperatorNode] {
        if transposedDistances.contains(answer) || lookups[answer] != nil {
            throw .init("its answer \(quoted: answer) is an intermediate of a k-NN model that Berth holds in another shape")
        }
        if middleBatch.contains(answer) {
            throw .init("its answer \(quoted: answer) has its batch axis in the middle, which Berth does not answer")
        }
        if flattenedRows.contains(answer) {
            throw .init("its answer \(quoted: answer) is the request's values flattened into one row, which Berth does not answer")
        }
        var needed: Set<String> = [answer]
        var kept = [OperatorNode]()
        for node in converted.reversed() where node.outputs.contains(where: needed.contains) {
            if let label = node.inputs.first(where: labelOutputs.contains) {
                throw .init("node \(quoted: node.name) computes with the classifier label output \(quoted: label), which Berth does not compute")
            }
            kept.append(node)
            needed.formUnion(node.inputs.filter { !$0.isEmpty })
        }
        guard needed.contains(input) || constants[answer] != nil else {
            throw .init("its answer \(quoted: answer) does not depend on the input \(quoted: input)")
        }
        return kept.reversed()
    }
}
