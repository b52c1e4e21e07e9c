import BerthCore
import BerthProtobuf
import BerthText

extension ModelReadError {
    /// Why a part of a model cannot be read, before the file name is attached.
    struct Reason: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }
}

/// Reads an ONNX model (`ModelProto`) into an `OperatorGraph` (docs/model-formats.md §3).
///
/// Every node is checked at load: an operator Berth does not implement stops the load with the list of such
/// operators and their node names, never a request. The answer is one tensor: for a classifier, its class
/// probabilities (a ZipMap's input, or the scores of LinearClassifier / TreeEnsembleClassifier, through
/// Normalizer, Cast or Identity) with the model's class labels; otherwise the first float output. Nodes the
/// answer does not need (the label branch) are not run.
enum ONNXModelReader {
    static let supportedIRVersions = 3...11
    static let supportedOpsets = 9...22
    static let supportedMLOpsets = 1...3

    static let defaultDomainOperators: Set<String> = [
        "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
        "ArgMax", "Cast", "Reshape", "Flatten", "Concat", "Identity", "Constant", "Transpose", "Squeeze", "Unsqueeze",
        "Pow", "Greater", "Less", "Equal", "Exp", "Log", "Sqrt", "Reciprocal", "Neg", "Abs", "Not", "Sum", "ReduceSum", "ReduceMean",
        "ReduceMax", "ReduceMin", "ReduceProd", "ReduceLogSumExp", "Gather", "Shape", "ConstantOfShape", "Max", "Min", "TopK", "Scan",
        "ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum", "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor", "Where", "IsNaN",
        "Slice", "LpNormalization", "ArgMin", "Clip", "Erf", "BatchNormalization", "LayerNormalization", "Dropout",
        "Softplus", "Softsign", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Mish", "ThresholdedRelu", "Gelu", "PRelu", "Shrink", "Split",
        "CumSum", "GatherElements",
    ]
    static let mlOperators: Set<String> = [
        "Scaler", "Normalizer", "Imputer", "LinearRegressor", "LinearClassifier", "TreeEnsembleRegressor",
        "TreeEnsembleClassifier", "ZipMap", "SVMRegressor", "SVMClassifier", "Binarizer", "ArrayFeatureExtractor", "OneHotEncoder", "LabelEncoder",
    ]

    /// Every operator in `skipped` once, in the order first met, with the node it was met in and how many more
    /// (`Less (node 'less_3'), ai.onnx.ml.ArrayFeatureExtractor (15 nodes, the first 'afe_0')`): a graph of many
    /// nodes of one operator must not hide the others. Past `namedOperators` operators (a hostile file), the rest
    /// are counted.
    static let namedOperators = 24

    static func unsupportedOperators(_ skipped: [GraphConverter.SkippedNode]) -> String {
        var order = [String](), nodes = [String: [String]]()
        for node in skipped {
            if nodes[node.operatorName] == nil { order.append(node.operatorName) }
            nodes[node.operatorName, default: []].append(node.nodeName)
        }
        let listed = order.prefix(namedOperators).map { name in
            let named = nodes[name]!
            let place = named.count == 1 ? "node \(quoted: named[0])" : "\(named.count) nodes, the first \(quoted: named[0])"
            return "\(excerpt: name) (\(place))"
        }.joined(separator: ", ")
        return order.count > namedOperators ? "\(listed) and \(order.count - namedOperators) other operators" : listed
    }

    /// Whether `bytes` start like a `ModelProto`: `ir_version` (field 1) with a plausible value, then another
    /// ModelProto field. A truncated model still counts, so it is reported as a broken ONNX file.
    static func looksLikeONNX(_ bytes: [UInt8]) -> Bool {
        guard bytes.first == 0x08 else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            var reader = ProtobufReader(buffer, 0..<buffer.count)
            guard let first = try? reader.nextField(), first.number == 1, let version = try? reader.varint(), (1...100).contains(version) else {
                return false
            }
            guard let next = try? reader.nextField() else { return reader.isAtEnd }
            return (2...25).contains(next.number)
        }
    }

    static func read(file: String, bytes: [UInt8], externalData: @escaping (String) -> [UInt8]?) throws(ModelReadError) -> LoadedModel {
        let proto: ONNXModelProto
        do {
            proto = try bytes.withUnsafeBufferPointer { buffer throws(ProtobufReader.Malformed) in
                try ONNXProtoDecoder(bytes: buffer, externalData: externalData).model()
            }
        } catch {
            throw ModelReadError(file: file, reason: "is not a valid ONNX model (\(error.reason)); the file may be truncated")
        }
        do {
            return try convert(proto)
        } catch {
            throw ModelReadError(file: file, reason: error.text)
        }
    }

    private static func convert(_ proto: ONNXModelProto) throws(ModelReadError.Reason) -> LoadedModel {
        guard supportedIRVersions.contains(proto.irVersion) else {
            throw .init("has ONNX IR version \(proto.irVersion); Berth reads \(supportedIRVersions.lowerBound)…\(supportedIRVersions.upperBound)")
        }
        let opset = proto.opsets[""] ?? supportedOpsets.lowerBound
        guard supportedOpsets.contains(opset) else {
            throw .init("imports default-domain opset \(opset); Berth runs opsets \(supportedOpsets.lowerBound)…\(supportedOpsets.upperBound) (re-export with target_opset in that range)")
        }
        if let ml = proto.opsets["ai.onnx.ml"], !supportedMLOpsets.contains(ml) {
            throw .init("imports ai.onnx.ml opset \(ml); Berth runs \(supportedMLOpsets.lowerBound)…\(supportedMLOpsets.upperBound)")
        }
        let graph = proto.graph

        // The one real input: graph inputs that are not initializers.
        let initializerNames = Set(graph.initializers.map(\.name))
        let inputs = graph.inputs.filter { !initializerNames.contains($0.name) }
        guard inputs.count == 1, let input = inputs.first else {
            throw .init("has \(inputs.count) inputs (\(inputs.prefix(8).map { "\(quoted: $0.name)" }.joined(separator: ", "))\(inputs.count > 8 ? ", …" : "")); Berth serves models with one input of rows × features")
        }
        guard [1, 11, 10].contains(input.elementType) else {
            throw .init("takes input \(quoted: input.name) of element type \(input.elementType); Berth feeds float32 rows")
        }
        guard let dimensions = input.dimensions, dimensions.count == 2 else {
            throw .init("takes input \(quoted: input.name) of rank \(input.dimensions?.count ?? 0); Berth feeds rows × features (rank 2)")
        }
        guard case .fixed(let featureCount) = dimensions[1], featureCount > 0, featureCount <= LoadedModel.maxFeatureCount else {
            throw .init("takes input \(quoted: input.name) whose feature dimension is \(dimensions[1]) — only the batch dimension may be symbolic")
        }

        var converter = GraphConverter(opset: opset)
        for tensor in graph.initializers {
            if let strings = tensor.strings {
                converter.stringConstants[tensor.name] = strings
            } else {
                converter.constants[tensor.name] = ConstantTensor(shape: tensor.dims, values: tensor.values)
                if GraphConverter.integerElementTypes.contains(tensor.dataType) { converter.integerTensors.insert(tensor.name) }
            }
        }
        // An operator Berth does not run is refused only if the answer needs it: exporters add nodes that serve only
        // a label output (skl2onnx's MLPClassifier: ArgMax → ArrayFeatureExtractor → Cast), which Berth never computes.
        // A node Berth runs whose attributes it cannot take is held against the answer the same way.
        for node in graph.nodes {
            guard Self.runs(node) else {
                converter.skip(node, because: nil)
                continue
            }
            do {
                try converter.add(node)
            } catch {
                converter.skip(node, because: error)
            }
        }

        // The answer: class probabilities with their labels, else the first float output of those whose nodes Berth
        // runs. A classifier's probabilities that need a node it does not run are refused, never swapped for another
        // output.
        var answer: String?
        var labels: ClassLabels?
        for output in graph.outputs {
            if let carried = converter.labels(of: output.name) {
                answer = converter.alias[output.name] ?? output.name
                labels = carried
                break
            }
        }
        if answer == nil {
            let floats = graph.outputs.filter { output in
                output.isTensor && !converter.labelOutputs.contains(output.name) && [1, 10, 11, 16].contains(output.elementType)
            }.map { converter.alias[$0.name] ?? $0.name }
            guard let first = floats.first else { throw .init("has no float output Berth can answer with") }
            answer = floats.first { converter.skipped(needing: $0).isEmpty } ?? first
        }
        let skipped = converter.skipped(needing: answer!)
        if let failure = skipped.lazy.compactMap(\.failure).first { throw failure }
        guard skipped.isEmpty else {
            throw .init("uses operators Berth does not run: \(Self.unsupportedOperators(skipped))")
        }
        let nodes = try converter.nodes(needing: answer!, input: input.name)
        let treeCount = nodes.reduce(0) { total, node in
            if case .treeEnsemble(let operation) = node.operation { total + operation.treeCount } else { total }
        }
        let ir = OperatorGraph(featureCount: featureCount, input: input.name, nodes: nodes, constants: converter.constants, output: answer!)
        let producer = [proto.producer, proto.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        return LoadedModel(ir: .graph(ir), format: .onnx, meaning: labels.map { .classProbabilities(labels: $0) } ?? .regression,
                           objectiveName: labels == nil ? "regressor" : "classifier", kind: "onnx, \(nodes.count) nodes run",
                           treeCount: treeCount, writerVersion: producer.isEmpty ? nil : producer)
    }
}

extension ONNXModelReader {
    /// Whether Berth runs `node`'s operator.
    static func runs(_ node: ONNXNodeProto) -> Bool {
        let domain = node.domain == "ai.onnx" ? "" : node.domain
        return domain == "" && defaultDomainOperators.contains(node.opType) || domain == "ai.onnx.ml" && mlOperators.contains(node.opType)
    }
}

/// Attribute reading shared by the ONNX converters.
enum ONNXAttributes {
    static func postTransform(_ attribute: ONNXAttribute?, node: ONNXNodeProto) throws(ModelReadError.Reason) -> ScorePostTransform {
        switch attribute?.string ?? "NONE" {
        case "NONE": return .none
        case "LOGISTIC": return .logistic
        case "SOFTMAX": return .softmax
        case "SOFTMAX_ZERO": return .softmaxZero
        case "PROBIT": return .probit
        case let other: throw .init("\(node.opType) \(quoted: node.name) has post_transform \(other)")
        }
    }

    /// An SVM's `kernel_type` with its `kernel_params` (gamma, coef0, degree; zeros when absent).
    static func supportVectorKernel(_ attribute: ONNXAttribute?, parameters: [Float],
                                    node: ONNXNodeProto) throws(ModelReadError.Reason) -> SupportVectorOperation.Kernel {
        let gamma = parameters.count > 0 ? parameters[0] : 0, coef0 = parameters.count > 1 ? parameters[1] : 0
        let degree = parameters.count > 2 ? parameters[2] : 0
        switch attribute?.string ?? "LINEAR" {
        case "LINEAR": return .linear
        case "POLY": return .polynomial(gamma: gamma, coef0: coef0, degree: degree)
        case "RBF": return .radialBasis(gamma: gamma)
        case "SIGMOID": return .sigmoid(gamma: gamma, coef0: coef0)
        case let other: throw .init("\(node.opType) \(quoted: node.name) has kernel_type \(excerpt: other)")
        }
    }
}
