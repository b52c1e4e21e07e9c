import BerthCore
import Testing
@testable import BerthFormats

/// ONNX nodes into `GraphOperation`s, one node at a time: each operator's attributes with the defaults the ONNX
/// spec gives (Softmax's axis and flattening by opset), Constant nodes becoming constants, ZipMap passing its
/// input through with the class labels, and nodes Berth cannot run refused with the node's name.
@Suite struct ONNXGraphConverterTests {
    static func node(_ opType: String, _ inputs: [String] = ["x"], outputs: [String] = ["y"], name: String = "n",
                     domain: String = "", with attributes: [String: ONNXAttribute] = [:]) -> ONNXNodeProto {
        ONNXNodeProto(name: name, opType: opType, domain: domain, inputs: inputs, outputs: outputs, attributes: attributes)
    }

    /// The operation one node becomes, read in a model importing default-domain `opset`; every input but `x` a constant.
    static func operation(_ node: ONNXNodeProto, opset: Int = 13) throws -> GraphOperation {
        var converter = GraphConverter(opset: opset)
        for input in node.inputs where input != "x" { converter.constants[input] = ConstantTensor(shape: [1], values: [1]) }
        try converter.add(node)
        let nodes = try converter.nodes(needing: node.outputs[0], input: "x")
        try #require(nodes.count == 1)
        #expect(nodes[0].name == node.name && nodes[0].inputs == node.inputs)
        return nodes[0].operation
    }

    /// The answers `y` of the graph `converter` has read, for the request rows `rows` of `x` (one by default), run on
    /// the CPU backend, every row's values in turn.
    static func answer(_ converter: GraphConverter, _ rows: [Float]...) throws -> [Float] {
        let nodes = try converter.nodes(needing: "y", input: "x")
        let width = rows.first?.count ?? 0
        let graph = OperatorGraph(featureCount: width, input: "x", nodes: nodes, constants: converter.constants, output: "y")
        let model = try CPUBackend(parallelism: RowParallelism(threadCount: 1)).compile(.graph(graph))
        return model.predict(FeatureBatch(rowCount: rows.count, columnCount: width, values: rows.flatMap { $0 })).values
    }

    /// Why the converter refuses `node` (an issue is recorded when it accepts it).
    static func refusal(_ node: ONNXNodeProto) -> String {
        var converter = GraphConverter(opset: 13)
        do {
            try converter.add(node)
            Issue.record("\(node.opType) was accepted")
            return ""
        } catch {
            return error.text
        }
    }

    @Test(arguments: [
        (node("Gemm", ["x", "b"]), 13, GraphOperation.gemm(alpha: 1, beta: 1, transA: false, transB: false)),
        (node("Gemm", ["x", "b", "c"], with: ["alpha": .init(float: 0.5), "beta": .init(float: 2), "transB": .init(int: 1)]), 13,
         .gemm(alpha: 0.5, beta: 2, transA: false, transB: true)),
        (node("LeakyRelu"), 13, .leakyRelu(alpha: 0.01)),
        (node("LeakyRelu", with: ["alpha": .init(float: 0.2)]), 13, .leakyRelu(alpha: 0.2)),
        // Before opset 13 the input is flattened to 2-D at `axis` (default 1); from 13 the axis alone (default -1).
        (node("Softmax"), 11, .softmax(axis: 1, legacy: true)),
        (node("Softmax"), 13, .softmax(axis: -1, legacy: false)),
        (node("Softmax", with: ["axis": .init(int: 2)]), 12, .softmax(axis: 2, legacy: true)),
        (node("LogSoftmax"), 12, .logSoftmax(axis: 1, legacy: true)),
        (node("LogSoftmax", with: ["axis": .init(int: 1)]), 13, .logSoftmax(axis: 1, legacy: false)),
        (node("ArgMax"), 13, .argMax(axis: 0, keepDims: true, selectLastIndex: false)),
        (node("ArgMax", with: ["axis": .init(int: 1), "keepdims": .init(int: 0), "select_last_index": .init(int: 1)]), 13,
         .argMax(axis: 1, keepDims: false, selectLastIndex: true)),
        (node("Cast", with: ["to": .init(int: 1)]), 13, .cast(.float)),
        (node("Cast", with: ["to": .init(int: 7)]), 13, .cast(.integer)),
        (node("Cast", with: ["to": .init(int: 9)]), 13, .cast(.boolean)),
        (node("Reshape", ["x", "s"]), 13, .reshape(allowZero: false)),
        (node("Reshape", ["x", "s"], with: ["allowzero": .init(int: 1)]), 14, .reshape(allowZero: true)),
        (node("Flatten"), 13, .flatten(axis: 1)),
        (node("Concat", ["x", "x"], with: ["axis": .init(int: -1)]), 13, .concat(axis: -1)),
        (node("Transpose"), 13, .transpose(permutation: [])),
        (node("Squeeze", with: ["axes": .init(ints: [1])]), 11, .squeeze(axes: [1])),
        (node("Unsqueeze", ["x", "a"]), 13, .unsqueeze(axes: nil)),
        (node("Scaler", domain: "ai.onnx.ml"), 13, .scaler(offset: [0], scale: [1])),
        (node("Normalizer", domain: "ai.onnx.ml"), 13, .normalizer(.max)),
        (node("Normalizer", domain: "ai.onnx.ml", with: ["norm": .init(string: "L1")]), 13, .normalizer(.l1)),
        (node("Imputer", domain: "ai.onnx.ml", with: ["imputed_value_floats": .init(floats: [1, 2])]), 13, .imputer(values: [1, 2], replaced: 0)),
        // zeros defaults to 1 (unknown values encoded as zeros); 0 refuses them, as onnxruntime fails the request.
        (node("OneHotEncoder", domain: "ai.onnx.ml", with: ["cats_int64s": .init(ints: [4, 1])]), 13,
         .oneHotEncoder(categories: [4, 1], refusesUnknown: false)),
        (node("OneHotEncoder", domain: "ai.onnx.ml", with: ["cats_int64s": .init(ints: [4, 1]), "zeros": .init(int: 0)]), 13,
         .oneHotEncoder(categories: [4, 1], refusesUnknown: true)),
    ] as [(ONNXNodeProto, Int, GraphOperation)])
    func attributesAndTheirDefaults(_ node: ONNXNodeProto, _ opset: Int, _ expected: GraphOperation) throws {
        #expect(try Self.operation(node, opset: opset) == expected)
    }

    @Test func theElementwiseOperatorsMapOneToOne() throws {
        let pairs: [(String, GraphOperation)] = [
            ("MatMul", .matMul), ("Add", .add), ("Sub", .subtract), ("Mul", .multiply), ("Div", .divide), ("Relu", .relu),
            ("Sigmoid", .sigmoid), ("Tanh", .tanh), ("Identity", .identity),
        ]
        for (opType, expected) in pairs {
            #expect(try Self.operation(Self.node(opType, ["x", "x"].prefix(expected.inputCount.lowerBound).map { $0 })) == expected, "\(opType)")
        }
    }

    /// A Constant node's value (any of its five forms) is a constant tensor, no node.
    @Test(arguments: [
        (ONNXAttribute(tensor: ONNXTensorProto(dims: [2, 1], dataType: 1, values: [3, 4])), "value", ConstantTensor(shape: [2, 1], values: [3, 4])),
        (ONNXAttribute(float: 2.5), "value_float", ConstantTensor(shape: [], values: [2.5])),
        (ONNXAttribute(floats: [1, 2]), "value_floats", ConstantTensor(shape: [2], values: [1, 2])),
        (ONNXAttribute(int: -3), "value_int", ConstantTensor(shape: [], values: [-3])),
        (ONNXAttribute(ints: [0, -1]), "value_ints", ConstantTensor(shape: [2], values: [0, -1])),
    ])
    func aConstantNodeIsAConstant(_ value: ONNXAttribute, _ name: String, _ expected: ConstantTensor) throws {
        var converter = GraphConverter(opset: 13)
        try converter.add(Self.node("Constant", [], outputs: ["c"], with: [name: value]))
        #expect(converter.constants["c"] == expected)
        #expect(try converter.nodes(needing: "c", input: "x").isEmpty)
    }

    /// x · c with c from a Constant node: the constant reaches the kernel (y = x ⊙ [1, 2, 3]).
    @Test func aConstantNodeFeedsTheGraph() throws {
        var converter = GraphConverter(opset: 13)
        try converter.add(Self.node("Constant", [], outputs: ["c"], with: ["value_floats": .init(floats: [1, 2, 3])]))
        try converter.add(Self.node("Mul", ["x", "c"]))
        let graph = OperatorGraph(featureCount: 3, input: "x", nodes: try converter.nodes(needing: "y", input: "x"),
                                  constants: converter.constants, output: "y")
        let model = try CPUBackend().compile(.graph(graph))
        #expect(model.predict(FeatureBatch(rowCount: 2, columnCount: 3, values: [1, 1, 1, -2, 0.5, 4])).values == [1, 2, 3, -2, 1, 12])
    }

    /// ZipMap is no kernel: its output names its input's values, with the class labels it declares.
    @Test func zipMapNamesItsInputsValues() throws {
        var converter = GraphConverter(opset: 13)
        try converter.add(Self.node("Softmax", outputs: ["probabilities"], name: "softmax"))
        try converter.add(Self.node("ZipMap", ["probabilities"], outputs: ["z"], name: "zip", domain: "ai.onnx.ml",
                                    with: ["classlabels_int64s": .init(ints: [3, 5, 7, 9])]))
        #expect(converter.alias["z"] == "probabilities")
        #expect(converter.labels["z"] == .integers([3, 5, 7, 9]))
        // A node reading the ZipMap reads its input.
        try converter.add(Self.node("Identity", ["z"], outputs: ["w"], name: "after"))
        let nodes = try converter.nodes(needing: "w", input: "x")
        #expect(nodes.map(\.name) == ["softmax", "after"] && nodes[1].inputs == ["probabilities"])
    }

    /// A classifier's first output is its label, which Berth does not compute; the scores are the node's output.
    @Test func aClassifierComputesItsScoresNotItsLabel() throws {
        var converter = GraphConverter(opset: 13)
        try converter.add(Self.node("LinearClassifier", outputs: ["label", "scores"], name: "linear", domain: "ai.onnx.ml", with: [
            "coefficients": .init(floats: [1, 2, 3, 4]), "intercepts": .init(floats: [0.5, -0.5]),
            "classlabels_strings": .init(strings: ["no", "yes"]), "post_transform": .init(string: "SOFTMAX"),
        ]))
        #expect(converter.labels["scores"] == .strings(["no", "yes"]))
        let nodes = try converter.nodes(needing: "scores", input: "x")
        #expect(nodes.first?.outputs == ["scores"])
        #expect(nodes.first?.operation == .linearClassifier(LinearModelOperation(coefficients: [1, 2, 3, 4], intercepts: [0.5, -0.5], outputCount: 2,
                                                                                  postTransform: .softmax, labelCount: 2)))
        try converter.add(Self.node("Cast", ["label"], outputs: ["l"], name: "use_label", with: ["to": .init(int: 1)]))
        let error = #expect(throws: ModelReadError.Reason.self) { try converter.nodes(needing: "l", input: "x") }
        #expect(error?.text.contains("'use_label' computes with the classifier label output 'label'") == true, "\(error?.text ?? "")")
    }

    /// An SVC's attributes, as skl2onnx writes them, become the classifier's operation; its scores output is the
    /// answer, with its labels.
    @Test func anSVMClassifiersAttributesBecomeItsOperation() throws {
        var converter = GraphConverter(opset: 13)
        try converter.add(Self.node("SVMClassifier", outputs: ["label", "probabilities"], name: "svc", domain: "ai.onnx.ml", with: [
            "classlabels_ints": .init(ints: [4, 7]), "vectors_per_class": .init(ints: [1, 2]), "support_vectors": .init(floats: [1, 2, 3]),
            "coefficients": .init(floats: [0.5, -0.5, 1]), "rho": .init(floats: [0.25]), "prob_a": .init(floats: [-1.5]),
            "prob_b": .init(floats: [0.1]), "kernel_type": .init(string: "POLY"), "kernel_params": .init(floats: [0.5, 1, 3]),
        ]))
        #expect(converter.labels["probabilities"] == .integers([4, 7]))
        #expect(try converter.nodes(needing: "probabilities", input: "x").first?.operation == .supportVectorClassifier(SupportVectorOperation(
            kernel: .polynomial(gamma: 0.5, coef0: 1, degree: 3), supportVectors: [1, 2, 3], vectorCount: 3, coefficients: [0.5, -0.5, 1],
            rho: [0.25], classCount: 2, vectorsPerClass: [1, 2], probabilityA: [-1.5], probabilityB: [0.1])))
    }

    @Test(arguments: [
        (node("Conv", name: "conv_1"), "uses operator Conv (node 'conv_1'), which Berth does not run"),
        (node("Concat", ["x", "x"], name: "cat"), "Concat 'cat' has no axis"),
        (node("Cast", name: "to_string", with: ["to": .init(int: 8)]), "Cast 'to_string' converts to data type 8"),
        (node("Normalizer", name: "norm", domain: "ai.onnx.ml", with: ["norm": .init(string: "L3")]), "Normalizer 'norm' has norm L3"),
        (node("Imputer", name: "imp", domain: "ai.onnx.ml", with: ["imputed_value_int64s": .init(ints: [1])]), "Imputer 'imp' has no imputed_value_floats"),
        (node("LinearRegressor", name: "lr", domain: "ai.onnx.ml", with: ["post_transform": .init(string: "CUBE")]), "post_transform CUBE"),
        (node("Constant", outputs: ["c"], name: "empty"), "Constant 'empty' has no numeric value"),
        (node("Relu", outputs: [""], name: "silent"), "node 'silent' names no output"),
        (node("SVMRegressor", name: "svr", domain: "ai.onnx.ml", with: ["kernel_type": .init(string: "CUBIC")]), "SVMRegressor 'svr' has kernel_type CUBIC"),
        (node("SVMClassifier", outputs: ["l", "s"], name: "svc", domain: "ai.onnx.ml", with: [
            "classlabels_ints": .init(ints: [0, 1]), "vectors_per_class": .init(ints: [-1, 2]),
        ]), "SVMClassifier 'svc' has a negative or impossibly large vectors_per_class"),
        (node("SVMClassifier", outputs: ["l", "s"], name: "svc", domain: "ai.onnx.ml"), "SVMClassifier 'svc' has no class labels"),
        (node("SVMRegressor", name: "svr", domain: "ai.onnx.ml", with: ["support_vectors": .init(floats: [1, 2])]),
         "SVMRegressor 'svr' has support vectors but no n_supports"),
    ] as [(ONNXNodeProto, String)])
    func nodesBerthCannotRunAreRefusedByName(_ node: ONNXNodeProto, _ words: String) {
        let reason = Self.refusal(node)
        #expect(reason.contains(words), "\(reason)")
    }

    /// Without ZipMap, a classifier's class names are where its label output reads them: ArrayFeatureExtractor
    /// picking from a constant tensor of names (or integers) by the ArgMax of the probabilities.
    @Test func anArrayFeatureExtractorOfTheArgMaxLabelsTheProbabilities() {
        for (classes, expected) in [(ConstantTensor?.none, ClassLabels.strings(["ant", "bee"])), (ConstantTensor(shape: [2], values: [3, 7]), .integers([3, 7]))] {
            var converter = GraphConverter(opset: 13)
            if let classes { converter.constants["classes"] = classes } else { converter.stringConstants["classes"] = ["ant", "bee"] }
            #expect(throws: Never.self) { try converter.add(Self.node("Softmax", ["x"], outputs: ["probabilities"])) }
            #expect(throws: Never.self) { try converter.add(Self.node("ArgMax", ["probabilities"], outputs: ["best"], with: ["axis": .init(int: 1)])) }
            converter.skip(Self.node("ArrayFeatureExtractor", ["classes", "best"], outputs: ["label"], domain: "ai.onnx.ml"), because: nil)
            #expect(converter.labels["probabilities"] == expected)
            #expect(converter.skipped(needing: "probabilities").isEmpty)
        }
    }

    /// Sum of three is two Adds in order, the last writing the node's output; of one, the input itself.
    @Test func aSumOfSeveralInputsIsAddsInOrder() throws {
        var converter = GraphConverter(opset: 13)
        try converter.add(Self.node("Sum", ["x", "b", "c"], outputs: ["total"], name: "sum"))
        try converter.add(Self.node("Sum", ["x"], outputs: ["same"], name: "one"))
        let nodes = try converter.nodes(needing: "total", input: "x").map { [$0.inputs, $0.outputs] }
        #expect(nodes == [[["x", "b"], ["total#sum0"]], [["total#sum0", "c"], ["total"]]])
        #expect(try converter.nodes(needing: "same", input: "x").map(\.operation) == [.identity])
    }

    /// An ArrayFeatureExtractor by constant indices runs; by the ArgMax of the probabilities it is a label branch,
    /// refused by `add` and left to `skip`, which labels the probabilities with the integers it picks from.
    @Test func anArrayFeatureExtractorRunsByConstantIndicesOnly() throws {
        #expect(try Self.operation(Self.node("ArrayFeatureExtractor", ["x", "i"], domain: "ai.onnx.ml")) == .arrayFeatureExtractor)
        var converter = GraphConverter(opset: 13)
        converter.constants["classes"] = ConstantTensor(shape: [2], values: [3, 7])
        try converter.add(Self.node("Softmax", ["x"], outputs: ["probabilities"]))
        try converter.add(Self.node("ArgMax", ["probabilities"], outputs: ["best"], with: ["axis": .init(int: 1)]))
        let label = Self.node("ArrayFeatureExtractor", ["classes", "best"], outputs: ["label"], name: "afe", domain: "ai.onnx.ml")
        let error = #expect(throws: ModelReadError.Reason.self) { try converter.add(label) }
        #expect(error?.text.contains("picks a label by the ArgMax") == true)
        converter.skip(label, because: error)
        #expect(converter.labels["probabilities"] == .integers([3, 7]))
    }

    /// An SVC without probabilities answers decisions, not one score a class: no labels on them, nor on a ZipMap of them.
    @Test func aZipMapOfAnSVCsDecisionsLabelsNothing() throws {
        var converter = GraphConverter(opset: 13)
        try converter.add(Self.node("SVMClassifier", outputs: ["label", "decisions"], name: "svc", domain: "ai.onnx.ml", with: [
            "classlabels_ints": .init(ints: [0, 1]), "vectors_per_class": .init(ints: [1, 1]), "support_vectors": .init(floats: [1, 2]),
            "coefficients": .init(floats: [1, -1]), "rho": .init(floats: [0]),
        ]))
        try converter.add(Self.node("ZipMap", ["decisions"], outputs: ["map"], name: "zip", domain: "ai.onnx.ml",
                                    with: ["classlabels_int64s": .init(ints: [0, 1])]))
        #expect(converter.labels["decisions"] == nil && converter.labels["map"] == nil)
    }

    /// A node of the file that writes a name the converter gave a Sum's partial sum is refused, not given two writers.
    @Test func aNodeWritingASumsIntermediateNameIsRefused() throws {
        var converter = GraphConverter(opset: 13)
        try converter.add(Self.node("Sum", ["x", "x", "x"], outputs: ["total"], name: "sum"))
        let error = #expect(throws: ModelReadError.Reason.self) { try converter.add(Self.node("Relu", outputs: ["total#sum0"], name: "clash")) }
        #expect(error?.text.contains("writes 'total#sum0', a name Berth gave a tensor of its own") == true, "\(error?.text ?? "")")
    }

    /// A ConstantOfShape of a Shape is a tensor like the Shape's input, filled, and a Reshape to a Shape is the other
    /// tensor's shape; a Shape read by anything else (or reshaped itself), and a ConstantOfShape of any other shape,
    /// are refused by name.
    @Test func aConstantOfShapeOfAShapeFillsATensorLikeItsInput() throws {
        var converter = GraphConverter(opset: 13)
        try converter.add(Self.node("Shape", ["x"], outputs: ["s"], name: "shape"))
        try converter.add(Self.node("ConstantOfShape", ["s"], outputs: ["ones"], name: "fill",
                                    with: ["value": .init(tensor: ONNXTensorProto(dims: [1], values: [1]))]))
        let nodes = try converter.nodes(needing: "ones", input: "x")
        #expect(nodes.map(\.operation) == [.fill(value: 1)] && nodes.first?.inputs == ["x"])
        try converter.add(Self.node("Reshape", ["y", "s"], outputs: ["r"], name: "reshape"))
        let reshaped = try converter.nodes(needing: "r", input: "y")
        #expect(reshaped.map(\.operation) == [.reshapeLike] && reshaped.first?.inputs == ["y", "x"])
        let reader = #expect(throws: ModelReadError.Reason.self) { try converter.add(Self.node("Add", ["x", "s"], outputs: ["a"], name: "add")) }
        #expect(reader?.text.contains("Add 'add' reads the Shape 's'") == true, "\(reader?.text ?? "")")
        let reshapesShape = #expect(throws: ModelReadError.Reason.self) {
            try converter.add(Self.node("Reshape", ["s", "dims"], outputs: ["q"], name: "reshape-shape"))
        }
        #expect(reshapesShape?.text.contains("Reshape 'reshape-shape' reads the Shape 's'") == true, "\(reshapesShape?.text ?? "")")
        // Of a constant shape, a constant; of a tensor computed from the request, refused.
        converter.constants["dims"] = ConstantTensor(shape: [2], values: [2, 3])
        try converter.add(Self.node("ConstantOfShape", ["dims"], outputs: ["c"], name: "c"))
        #expect(converter.constants["c"] == ConstantTensor(shape: [2, 3], values: [0, 0, 0, 0, 0, 0]))
        let computed = #expect(throws: ModelReadError.Reason.self) { try converter.add(Self.node("ConstantOfShape", ["x"], outputs: ["d"], name: "d")) }
        #expect(computed?.text.contains("fills only the shape of a tensor") == true)
    }

    /// A STRING tensor is read as text, for labels only: an operator Berth runs that takes one is refused, naming it.
    @Test func aNodeTakingAStringTensorIsRefusedNamingIt() {
        var converter = GraphConverter(opset: 13)
        converter.stringConstants["names"] = ["a"]
        #expect(throws: ModelReadError.Reason.self) { try converter.add(Self.node("Add", ["x", "names"], name: "add0")) }
        do {
            try converter.add(Self.node("Add", ["x", "names"], name: "add1"))
        } catch {
            #expect(error.text.contains("takes the string tensor 'names'"), "\(error.text)")
        }
    }

    /// The reader's lists of operators it runs (`ONNXModelReader.defaultDomainOperators`, `mlOperators`) and the
    /// converter's cases are written apart: every listed operator reaches a case of its own, which may refuse the
    /// node's attributes or inputs but never as an operator Berth does not run.
    @Test(arguments: ONNXModelReader.defaultDomainOperators.sorted() + ONNXModelReader.mlOperators.sorted())
    func everyListedOperatorHasACase(_ opType: String) {
        var converter = GraphConverter(opset: 17)
        do {
            try converter.add(Self.node(opType, ["x", "y", "z"], outputs: ["a", "b"], name: "listed"))
        } catch {
            #expect(!error.text.contains("which Berth does not run"), "\(opType): \(error.text)")
        }
    }

    /// A Gemm whose C is computed (a KMeans export's row norms) is the product, then beta · C added to it.
    @Test func aGemmOfAComputedCAddsItAfterTheProduct() throws {
        var converter = GraphConverter(opset: 17)
        converter.constants["b"] = ConstantTensor(shape: [2, 2], values: [1, 2, 3, 4])
        try converter.add(Self.node("ReduceSumSquare", ["x"], outputs: ["norms"], name: "norms"))
        try converter.add(Self.node("Gemm", ["x", "b", "norms"], outputs: ["y"], name: "g", with: ["beta": .init(float: 3), "alpha": .init(float: -2)]))
        let nodes = try converter.nodes(needing: "y", input: "x")
        #expect(nodes.map(\.operation) == [.reduce(.sumOfSquares, axes: nil, keepDims: true, noopWithEmptyAxes: false),
                                           .gemm(alpha: -2, beta: 3, transA: false, transB: false), .multiply, .add])
        #expect(nodes[1].inputs == ["x", "b"] && nodes[2].inputs[0] == "norms" && converter.constants[nodes[2].inputs[1]]?.values == [3])
        #expect(nodes[3].inputs == [nodes[1].outputs[0], nodes[2].outputs[0]] && nodes[3].outputs == ["y"])
    }

    /// Clip is a Max with its lower bound and a Min with its upper: inputs from opset 11 (either may be left out),
    /// attributes before.
    @Test func clipIsAMaxAndAMinOfItsBounds() throws {
        var inputs = GraphConverter(opset: 17)
        try inputs.add(Self.node("Clip", ["x", "", "high"], outputs: ["y"], name: "clip"))
        let upper = try inputs.nodes(needing: "y", input: "x")
        #expect(upper.map(\.operation) == [.minimum] && upper[0].inputs == ["x", "high"])
        var attributes = GraphConverter(opset: 9)
        try attributes.add(Self.node("Clip", ["x"], outputs: ["y"], name: "clip", with: ["min": .init(float: -1), "max": .init(float: 2)]))
        let both = try attributes.nodes(needing: "y", input: "x")
        #expect(both.map(\.operation) == [.maximum, .minimum] && both[1].inputs[0] == both[0].outputs[0] && both[1].outputs == ["y"])
        #expect(attributes.constants[both[0].inputs[1]]?.values == [-1] && attributes.constants[both[1].inputs[1]]?.values == [2])
    }

    /// MatMul by a 1-D vector (numpy's matmul, a GLM's coefficients) is a MatMul by it as one column, then that column
    /// squeezed away.
    @Test func aMatMulByAVectorIsByOneColumn() throws {
        var converter = GraphConverter(opset: 17)
        converter.constants["w"] = ConstantTensor(shape: [3], values: [1, 2, 3])
        try converter.add(Self.node("MatMul", ["x", "w"], outputs: ["y"], name: "m"))
        let nodes = try converter.nodes(needing: "y", input: "x")
        #expect(nodes.map(\.operation) == [.matMul, .squeeze(axes: [-1])])
        #expect(converter.constants[nodes[0].inputs[1]]?.shape == [3, 1] && nodes[1].outputs == ["y"])
    }
}
