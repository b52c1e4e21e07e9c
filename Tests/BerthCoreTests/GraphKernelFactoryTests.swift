import Testing
@testable import BerthCore

/// `GraphKernelFactory` on its own: the kernel each operation gets, the weights it hands the dense layer (Gemm's
/// `alpha·B'` and `beta·C`, a linear model's coefficients turned to `[feature][output]`), and the attributes and
/// inputs it refuses before any shape is looked at.
@Suite struct GraphKernelFactoryTests {
    /// A dense layer that keeps what the factory handed it, so a test reads the weights after Gemm's folding.
    struct RecordedLayer: DenseLayer {
        let handed: DenseWeights
        var placement: Placement { .cpu }
        var residentBytes: Int { 0 }
        func multiply(rows: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {}
    }

    static let recording: DeviceKernels = {
        var kernels = DeviceKernels()
        kernels.dense = { RecordedLayer(handed: $0) }
        return kernels
    }()

    /// The kernel for one node of `operation` reading the request `[N, width]`, then `constants` (nil: a computed
    /// `[N, width]` tensor).
    static func kernel(_ operation: GraphOperation, width: Int = 4, _ constants: [ConstantTensor?] = [],
                       deviceKernels: DeviceKernels = recording) throws -> any GraphKernel {
        let node = OperatorNode(name: "n", operation: operation, inputs: ["x"] + constants.indices.map { "c\($0)" }, outputs: ["y"])
        return try GraphKernelFactory.kernel(for: node, inputs: [nil] + constants,
                                             shapes: [[batch, width]] + constants.map { $0?.shape ?? [batch, width] },
                                             parallelism: RowParallelism(threadCount: 1), deviceKernels: deviceKernels)
    }

    /// What the dense layer of `kernel` (a Gemm, MatMul or linear model) was built from.
    static func handed(_ kernel: any GraphKernel) throws -> DenseWeights {
        let dense = try #require((kernel as? DenseKernel) ?? (kernel as? LinearKernel)?.dense, "\(type(of: kernel)) is not dense")
        return try #require(dense.layer as? RecordedLayer).handed
    }

    static func tensor(_ shape: [Int], _ values: [Float]) -> ConstantTensor { ConstantTensor(shape: shape, values: values) }

    // MARK: The dense operations

    /// B = [[1, 2, 3], [4, 5, 6]] (inner 2, columns 3): alpha·B, and beta·C per column.
    @Test func gemmFoldsAlphaIntoTheWeightsAndBetaIntoTheBias() throws {
        let kernel = try Self.kernel(.gemm(alpha: 2, beta: 0.5, transA: false, transB: false), width: 2,
                                     [Self.tensor([2, 3], [1, 2, 3, 4, 5, 6]), Self.tensor([3], [10, 20, 30])])
        let handed = try Self.handed(kernel)
        #expect(handed.inner == 2 && handed.columns == 3)
        #expect(handed.weights == [2, 4, 6, 8, 10, 12])
        #expect(handed.bias == [5, 10, 15])
    }

    /// With transB, B is `[columns, inner]`: B = [[1, 2], [3, 4], [5, 6]] is the weights [[1, 3, 5], [2, 4, 6]].
    @Test func gemmWithTransBHandsTheTransposedMatrix() throws {
        let kernel = try Self.kernel(.gemm(alpha: 1, beta: 1, transA: false, transB: true), width: 2, [Self.tensor([3, 2], [1, 2, 3, 4, 5, 6])])
        let handed = try Self.handed(kernel)
        #expect(handed.inner == 2 && handed.columns == 3)
        #expect(handed.weights == [1, 3, 5, 2, 4, 6])
        #expect(handed.bias.isEmpty, "no C, no bias")
        #expect(try kernel.outputShapes([[batch, 2]]) == [[batch, 3]])
    }

    /// C broadcasts to `[N, columns]` when it is a scalar or one row (unidirectional broadcasting, as Gemm allows).
    @Test(arguments: [
        (ConstantTensor(shape: [], values: [4]), [Float](arrayLiteral: 12, 12, 12)),
        (ConstantTensor(shape: [1], values: [4]), [12, 12, 12]),
        (ConstantTensor(shape: [1, 3], values: [1, 2, 3]), [3, 6, 9]),
        (ConstantTensor(shape: [1, 1], values: [-1]), [-3, -3, -3]),
    ])
    func aScalarOrOneRowCBecomesEveryColumnsBias(_ c: ConstantTensor, _ bias: [Float]) throws {
        let kernel = try Self.kernel(.gemm(alpha: 1, beta: 3, transA: false, transB: false), width: 2, [Self.tensor([2, 3], [1, 2, 3, 4, 5, 6]), c])
        #expect(try Self.handed(kernel).bias == bias)
    }

    @Test func matMulHandsItsMatrixAsItIs() throws {
        let handed = try Self.handed(try Self.kernel(.matMul, width: 3, [Self.tensor([3, 2], [1, 2, 3, 4, 5, 6])]))
        #expect(handed.inner == 3 && handed.columns == 2 && handed.weights == [1, 2, 3, 4, 5, 6] && handed.bias.isEmpty)
    }

    /// Coefficients come `[output][feature]`: outputs (1, 2, 3) and (4, 5, 6) over 3 features are the weights
    /// [[1, 4], [2, 5], [3, 6]].
    @Test func aLinearModelsCoefficientsAreTurnedToFeatureByOutput() throws {
        let linear = LinearModelOperation(coefficients: [1, 2, 3, 4, 5, 6], intercepts: [0.5, -0.5], outputCount: 2,
                                          postTransform: .none, labelCount: 0)
        let handed = try Self.handed(try Self.kernel(.linearRegressor(linear), width: 3))
        #expect(handed.inner == 3 && handed.columns == 2)
        #expect(handed.weights == [1, 4, 2, 5, 3, 6])
        #expect(handed.bias == [0.5, -0.5])
    }

    /// Only a classifier with one score and two labels answers two columns (onnxruntime's binary case).
    @Test(arguments: [(true, 1, 2, 2), (false, 1, 2, 1), (true, 1, 1, 1), (true, 2, 2, 2), (true, 3, 3, 3)])
    func onlyABinaryClassifierWithOneScoreWidens(_ classifier: Bool, _ outputs: Int, _ labels: Int, _ width: Int) throws {
        let linear = LinearModelOperation(coefficients: [Float](repeating: 1, count: 4 * outputs), intercepts: [], outputCount: outputs,
                                          postTransform: .none, labelCount: labels)
        let kernel = try #require(try Self.kernel(classifier ? .linearClassifier(linear) : .linearRegressor(linear)) as? LinearKernel)
        #expect(kernel.widensBinary == (width == 2 && outputs == 1))
        #expect(try kernel.outputShapes([[batch, 4]]) == [[batch, width]])
    }

    // MARK: The kernel each operation gets

    /// The kernel and the parameters it keeps, in words.
    static func describe(_ kernel: any GraphKernel) -> String {
        switch kernel {
        case let kernel as BinaryKernel: "binary \(kernel.function)"
        case let kernel as UnaryKernel: "unary \(kernel.function)"
        case let kernel as ViewKernel: "view \(kernel.change)"
        case let kernel as SoftmaxKernel: "\(kernel.logarithm ? "logSoftmax" : "softmax") axis \(kernel.axis)\(kernel.legacy ? " flattened" : "")"
        case let kernel as ArgMaxKernel: "argMax axis \(kernel.axis) keepDims \(kernel.keepDims) last \(kernel.selectLastIndex)"
        case let kernel as ConcatKernel: "concat axis \(kernel.axis)"
        case let kernel as TransposeKernel: "transpose \(kernel.permutation)"
        case let kernel as FeatureKernel: "feature \(kernel.function)"
        case let kernel as NormalizerKernel: "normalizer \(kernel.norm)"
        default: "\(type(of: kernel))"
        }
    }

    @Test(arguments: [
        (GraphOperation.add, "binary add"), (.subtract, "binary subtract"), (.multiply, "binary multiply"), (.divide, "binary divide"),
        (.relu, "unary activation(BerthCore.Activation.relu)"),
        (.leakyRelu(alpha: 0.25), "unary activation(BerthCore.Activation.leakyRelu(alpha: 0.25))"),
        (.sigmoid, "unary activation(BerthCore.Activation.sigmoid)"), (.tanh, "unary activation(BerthCore.Activation.tanh)"),
        (.cast(.integer), "unary truncate"), (.cast(.boolean), "unary nonZero"),
        (.cast(.float), "view identity"), (.identity, "view identity"), (.flatten(axis: 1), "view flatten(axis: 1)"),
        (.softmax(axis: 1, legacy: true), "softmax axis 1 flattened"), (.logSoftmax(axis: -1, legacy: false), "logSoftmax axis -1"),
        (.argMax(axis: 1, keepDims: false, selectLastIndex: true), "argMax axis 1 keepDims false last true"),
        (.concat(axis: -1), "concat axis -1"), (.transpose(permutation: [0, 2, 1]), "transpose [0, 2, 1]"),
        (.scaler(offset: [1], scale: [2]), "feature scale(offset: [1.0], scale: [2.0])"),
        (.imputer(values: [3], replaced: 0), "feature impute(values: [3.0], replaced: 0.0)"),
        (.normalizer(.l2), "normalizer l2"),
    ])
    func eachOperationGetsItsKernel(_ operation: GraphOperation, _ expected: String) throws {
        let inputs: [ConstantTensor?] = operation.inputCount.lowerBound == 2 ? [nil] : []
        #expect(Self.describe(try Self.kernel(operation, inputs)) == expected)
    }

    /// Views share their input's values; Cast to an integer or a bool computes new ones.
    @Test func onlyTheShapeOperationsAndCastToFloatAreViews() throws {
        #expect(try Self.kernel(.identity).isView && Self.kernel(.cast(.float)).isView && Self.kernel(.flatten(axis: 1)).isView)
        #expect(try !Self.kernel(.cast(.integer)).isView && !Self.kernel(.cast(.boolean)).isView && !Self.kernel(.relu).isView)
    }

    /// A shape or axes given as the second input must be a constant; given as an attribute, nothing is read.
    @Test func aShapeOrAxesInputIsAConstantInput() throws {
        let reshape = try Self.kernel(.reshape(allowZero: false), [Self.tensor([2], [0, -1])])
        #expect(reshape.isView && reshape.constantInputs == [1])
        #expect(try Self.kernel(.squeeze(axes: nil), [Self.tensor([1], [1])]).constantInputs == [1])
        #expect(try Self.kernel(.unsqueeze(axes: [1])).constantInputs.isEmpty)
    }

    /// A tree ensemble reads the features of its input tensor, which may be wider than those its trees split on.
    @Test func treesReadTheWholeWidthOfTheirInput() throws {
        let stump = DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [1, 0, 0], values: [0.5, 2, 7],
                                 defaultLeft: [true, false, false])
        let ensemble = TreeEnsemble(featureCount: 2, groupCount: 1, trees: [stump], treeGroups: [0], baseMargins: [0], transform: .identity)
        let operation = TreeEnsembleOperation(ensemble: ensemble, treeCount: 1, aggregation: .sum, baseValues: [], postTransform: .none,
                                              binaryWidening: nil)
        let kernel = try #require(try Self.kernel(.treeEnsemble(operation), width: 6) as? TreeEnsembleKernel)
        #expect(kernel.model.featureCount == 6)
        #expect(try kernel.outputShapes([[batch, 6]]) == [[batch, 1]])
    }

    // MARK: What it refuses

    static let b = ConstantTensor(shape: [4, 3], values: [Float](repeating: 1, count: 12))
    static let linear = LinearModelOperation(coefficients: [1, 2, 3], intercepts: [], outputCount: 2, postTransform: .none, labelCount: 0)
    static let trees = TreeEnsembleOperation(
        ensemble: TreeEnsemble(featureCount: 6, groupCount: 1, trees: [DecisionTree(leftChildren: [-1], rightChildren: [-1], splitFeatures: [0],
                                                                                    values: [1], defaultLeft: [false])],
                               treeGroups: [0], baseMargins: [0], transform: .identity),
        treeCount: 1, aggregation: .sum, baseValues: [], postTransform: .none, binaryWidening: nil)

    @Test(arguments: [
        (GraphOperation.gemm(alpha: 1, beta: 1, transA: true, transB: false), [b], "transA=1 is not supported"),
        (.gemm(alpha: 1, beta: 1, transA: false, transB: false), [nil], "needs a constant 2-D B"),
        (.gemm(alpha: 1, beta: 1, transA: false, transB: false), [ConstantTensor(shape: [12], values: b.values)], "needs a constant 2-D B"),
        (.gemm(alpha: 1, beta: 1, transA: false, transB: false), [b, nil], "needs a constant C"),
        (.gemm(alpha: 1, beta: 1, transA: false, transB: false), [b, ConstantTensor(shape: [2], values: [1, 2])], "not a scalar or a row of 3"),
        (.gemm(alpha: 1, beta: 1, transA: false, transB: false), [b, ConstantTensor(shape: [2, 3], values: [Float](repeating: 0, count: 6))],
         "not a scalar or a row of 3"),
        (.matMul, [nil], "MatMul of two computed tensors"),
        (.matMul, [ConstantTensor(shape: [1, 4, 3], values: b.values)], "MatMul by a 3-D constant"),
        (.reshape(allowZero: false), [nil], "Reshape needs a constant shape input"),
        (.reshape(allowZero: false), [ConstantTensor(shape: [2], values: [0, 1.5])], "Reshape's shape holds 1.5, which is not a dimension"),
        (.reshape(allowZero: false), [ConstantTensor(shape: [2], values: [0, 1e12])], "which is not a dimension"),
        (.squeeze(axes: nil), [nil], "Squeeze needs constant axes"),
        (.unsqueeze(axes: nil), [ConstantTensor(shape: [1], values: [-0.5])], "Unsqueeze's axes holds -0.5"),
        (.linearRegressor(linear), [], "3 coefficients do not split into 2 outputs"),
        (.linearClassifier(LinearModelOperation(coefficients: [], intercepts: [], outputCount: 0, postTransform: .none, labelCount: 2)), [],
         "do not split into 0 outputs"),
        (.linearRegressor(LinearModelOperation(coefficients: [1, 2, 3, 4, 5, 6, 7, 8], intercepts: [1, 2, 3], outputCount: 2,
                                               postTransform: .none, labelCount: 0)), [], "3 intercepts for 2 outputs"),
        (.treeEnsemble(trees), [], "the trees split on feature 5 but the input has 4"),
    ] as [(GraphOperation, [ConstantTensor?], String)])
    func badAttributesAndInputsAreRefused(_ operation: GraphOperation, _ constants: [ConstantTensor?], _ words: String) {
        do {
            let kernel = try Self.kernel(operation, constants)
            Issue.record("\(operation) was given \(type(of: kernel))")
        } catch {
            let reason = (error as? ModelValidationError)?.reason ?? "\(error)"
            #expect(reason.contains(words), "\(reason)")
        }
    }
}
