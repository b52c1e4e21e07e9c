import Foundation
import Testing
@testable import BerthCore

/// Add, Sub, Mul, Div with numpy broadcasting, and the one-in one-out operators, each against its ONNX definition.
@Suite struct ElementwiseKernelTests {
    typealias G = GraphTesting

    static let binary: [(GraphOperation, @Sendable (Float, Float) -> Float, String)] = [
        (.add, { $0 + $1 }, "Add"), (.subtract, { $0 - $1 }, "Sub"), (.multiply, { $0 * $1 }, "Mul"), (.divide, { $0 / $1 }, "Div"),
        (.power, { Float(pow(Double($0), Double($1))) }, "Pow"), (.greater, { $0 > $1 ? 1 : 0 }, "Greater"),
        (.less, { $0 < $1 ? 1 : 0 }, "Less"), (.equal, { $0 == $1 ? 1 : 0 }, "Equal"),
    ]

    @Test(arguments: 0..<8)
    func aConstantRowBroadcastsOverEveryRow(_ index: Int) throws {
        let (operation, function, name) = Self.binary[index]
        let row: [Float] = [0.5, -4, 2, 10]
        let graph = G.graph([G.node(operation, [G.input, "c"])], features: 4, constants: ["c": ConstantTensor(shape: [4], values: row)])
        G.expectClose(try G.run(graph, G.rows), G.rows.map { x in zip(x, row).map(function) }, name)
    }

    @Test(arguments: 0..<8)
    func aScalarBroadcastsOnTheLeftToo(_ index: Int) throws {
        let (operation, function, name) = Self.binary[index]
        let graph = G.graph([G.node(operation, ["c", G.input])], features: 4, constants: ["c": ConstantTensor(shape: [], values: [3])])
        G.expectClose(try G.run(graph, G.rows), G.rows.map { x in x.map { function(3, $0) } }, name)
    }

    /// Pow by one exponent of 2 or 3 multiplies, as onnxruntime's does; by any other exponent, or a tensor of them,
    /// it is `pow` a value.
    @Test func powerByOneExponentOfTwoOrThreeMultiplies() throws {
        let x: [Float] = [1.1, -2.3, 0.7, 3.3]
        for (exponent, function) in [(Float(2), { (x: Float) in x * x }), (3, { x in x * x * x }), (0.5, { x in powf(x, 0.5) }),
                                     (1.7, { x in powf(x, 1.7) })] {
            let graph = G.graph([G.node(.power, [G.input, "e"])], features: 4, constants: ["e": ConstantTensor(shape: [], values: [exponent])])
            #expect(try G.run(graph, [x])[0].map(\.bitPattern) == x.map { function($0).bitPattern }, "\(exponent)")
        }
        let each = G.graph([G.node(.power, [G.input, "e"])], features: 4, constants: ["e": ConstantTensor(shape: [4], values: [3, 3, 3, 3])])
        #expect(try G.run(each, [x])[0].map(\.bitPattern) == x.map { powf($0, 3).bitPattern })
    }

    static func definition(_ function: UnaryMath) -> (Float) -> Float {
        switch function {
        case .exp: { expf($0) }
        case .log: { logf($0) }
        case .sqrt: { $0.squareRoot() }
        case .reciprocal: { 1 / $0 }
        case .negate: { -$0 }
        case .absolute: { abs($0) }
        case .logicalNot: { $0 == 0 ? 1 : 0 }
        case .isNaN: { $0.isNaN ? 1 : 0 }
        case .erf: { Float(Foundation.erf(Double($0))) }
        default: { Float(Self.exactDefinition(function)(Double($0))) }
        }
    }

    /// The activations as ONNX defines them, in double precision.
    static func exactDefinition(_ function: UnaryMath) -> (Double) -> Double {
        func elu(_ x: Double, _ alpha: Double) -> Double { x >= 0 ? x : alpha * (Foundation.exp(x) - 1) }
        func softplus(_ x: Double) -> Double { Foundation.log(1 + Foundation.exp(x)) }
        func hardSigmoid(_ x: Double, _ alpha: Double, _ beta: Double) -> Double { Swift.max(0, Swift.min(1, alpha * x + beta)) }
        switch function {
        case .softplus: return softplus
        case .softsign: return { $0 / (1 + Swift.abs($0)) }
        case .elu(let alpha): return { elu($0, Double(alpha)) }
        case .selu(let alpha, let gamma): return { Double(gamma) * elu($0, Double(alpha)) }
        case .celu(let alpha): return { Swift.max(0, $0) + Swift.min(0, Double(alpha) * (Foundation.exp($0 / Double(alpha)) - 1)) }
        case .hardSigmoid(let alpha, let beta): return { hardSigmoid($0, Double(alpha), Double(beta)) }
        case .hardSwish: return { $0 * hardSigmoid($0, 1.0 / 6, 0.5) }
        case .mish: return { $0 * Foundation.tanh(softplus($0)) }
        case .thresholdedRelu(let alpha): return { $0 > Double(alpha) ? $0 : 0 }
        case .shrink(let bias, let lambda): return { $0 < -Double(lambda) ? $0 + Double(bias) : $0 > Double(lambda) ? $0 - Double(bias) : 0 }
        case .gelu(false): return { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }
        case .gelu(true): return { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }
        default: return { _ in .nan }
        }
    }

    static let activations: [UnaryMath] = [
        .softplus, .softsign, .elu(alpha: 0.7), .selu(alpha: 1.673_263_2, gamma: 1.050_701), .celu(alpha: 1.5),
        .hardSigmoid(alpha: 0.25, beta: 0.4), .hardSwish, .mish, .thresholdedRelu(alpha: 0.3), .shrink(bias: 0.3, lambda: 0.3),
        .shrink(bias: 0, lambda: 1), .gelu(tanhApproximation: false),
        .gelu(tanhApproximation: true),
    ]

    /// Each activation PyTorch exports beyond the four a dense layer folds in, against its definition worked out in
    /// double precision, over both tails (where Softplus must not overflow) and around its bends. NaN stays NaN, except
    /// through ThresholdedRelu and Shrink, whose definitions give 0 where no comparison holds, as onnxruntime answers.
    @Test(arguments: activations)
    func anActivationMatchesItsDefinition(_ function: UnaryMath) throws {
        let rows: [[Float]] = [[-100, -20, -3, -1], [-0.3, -1e-3, 0, 1e-3], [0.3, 1, 3, 20], [100, 0.29, 0.31, 2.9]]
        let got = try G.run(G.graph([G.node(.unaryMath(function))], features: 4), rows)
        G.expectClose(got, rows.map { $0.map { Float(Self.exactDefinition(function)(Double($0))) } }, "\(function)")
        let ofNaN = try G.run(G.graph([G.node(.unaryMath(function))], features: 1), [[.nan]])[0][0]
        switch function {
        case .thresholdedRelu, .shrink: #expect(ofNaN == 0 && ofNaN.sign == .plus, "\(function)")
        default: #expect(ofNaN.isNaN, "\(function)")
        }
    }

    /// PRelu: the input from 0 up, the slope (broadcast: one per column here) times it below.
    @Test func aParametricReluMultipliesNegativesByTheirSlope() throws {
        let graph = G.graph([G.node(.parametricRelu, [G.input, "slope"])], features: 3,
                            constants: ["slope": ConstantTensor(shape: [3], values: [0.5, -2, 0])])
        #expect(try G.run(graph, [[-2, -2, -2], [3, 0, 1]]) == [[-1, 4, -0.0], [3, 0, 1]])
    }

    @Test(arguments: [UnaryMath.exp, .log, .sqrt, .reciprocal, .negate, .absolute, .logicalNot, .isNaN, .erf])
    func aUnaryFunctionAppliesToEveryValue(_ function: UnaryMath) throws {
        let definition = Self.definition(function)
        // Twelve values: a vector of eight and four after it; negative values, −0, a subnormal and an infinity.
        let rows: [[Float]] = [[0, 1, 2.5, 0.125], [4, 9, 0.5, 100], [-1, -0.0, 1e-40, .infinity]]
        let got = try G.run(G.graph([G.node(.unaryMath(function))], features: 4), rows)
        #expect(got.flatMap { $0 }.map(\.bitPattern) == rows.flatMap { $0 }.map { definition($0).bitPattern }, "\(function)")
    }

    @Test func theInclusiveComparisonsAndTheLogicalOperators() throws {
        let constants = ["half": ConstantTensor(shape: [1], values: [0.5])]
        func run(_ operation: GraphOperation) throws -> [Float] {
            try G.run(G.graph([G.node(operation, [G.input, "half"])], features: 5, constants: constants), [[0, 0.5, 1, .nan, -2]])[0]
        }
        #expect(try run(.greaterOrEqual) == [0, 1, 1, 0, 0])
        #expect(try run(.lessOrEqual) == [1, 1, 0, 0, 1])
        // Any value but 0 is true, NaN included.
        #expect(try run(.and) == [0, 1, 1, 1, 1])
        #expect(try run(.or) == [1, 1, 1, 1, 1])
        #expect(try run(.xor) == [1, 0, 0, 0, 0])
    }

    /// Where with a condition a column `[N, 1]`, a row of choices `[3]` and a scalar otherwise, broadcast to `[N, 3]`;
    /// and three tensors of one shape.
    @Test func whereChoosesByTheConditionAcrossBroadcastShapes() throws {
        let graph = G.graph([G.node(.reduce(.sum, axes: [1], keepDims: true, noopWithEmptyAxes: false), outputs: ["total"], name: "sum"),
                             G.node(.greater, ["total", "zero"], outputs: ["positive"], name: "test"),
                             G.node(.select, ["positive", "choices", "otherwise"], outputs: ["picked"], name: "where"),
                             G.node(.select, [G.input, G.input, "picked"], name: "same")],
                            features: 3, constants: ["zero": ConstantTensor(shape: [], values: [0]),
                                                     "choices": ConstantTensor(shape: [3], values: [7, 8, 9]),
                                                     "otherwise": ConstantTensor(shape: [], values: [-1])])
        // Row 1 sums to 3 (choices), row 2 to -3 (otherwise); then each non-zero value of the row is kept.
        #expect(try G.run(graph, [[1, 0, 2], [-1, -2, 0]]) == [[1, 8, 2], [-1, -2, -1]])
    }

    @Test func aBinarizerGivesOneAboveItsThresholdOnly() throws {
        #expect(try G.run(G.graph([G.node(.binarizer(threshold: 0.5))], features: 4), [[0.5, 0.50001, -3, 7]]) == [[0, 1, 0, 1]])
    }

    /// onnxruntime fails the request on a missing value reaching a Binarizer ("Input data with index: 0 is NaN"): the
    /// rows holding one are refused, naming the node; the others are answered.
    @Test func aBinarizerRefusesTheRowsHoldingAMissingValue() throws {
        let model = try G.compile(G.graph([G.node(.binarizer(threshold: 0), name: "binarize")], features: 2))
        let predictions = model.predict(FeatureBatch(rowCount: 3, columnCount: 2, values: [1, -1, 2, .nan, .nan, .nan]))
        #expect(predictions.refusals.map(\.row) == [1, 2])
        #expect(predictions.refusals.first?.reason.hasPrefix("a missing value reaches the model's Binarizer 'binarize', which has no answer for one, so onnxruntime refuses it too") == true)
        #expect(Array(predictions.values[0..<2]) == [1, 0])
    }

    @Test func aColumnBroadcastsAcrossFeatures() throws {
        // [N, 4] - [N, 1]: each row minus its own first value, through a Slice-free route: Mul by a one-hot column.
        let pick = G.node(.matMul, [G.input, "first"], outputs: ["column"], name: "pick")
        let subtract = G.node(.subtract, [G.input, "column"])
        let graph = G.graph([pick, subtract], features: 4, constants: ["first": ConstantTensor(shape: [4, 1], values: [1, 0, 0, 0])])
        G.expectClose(try G.run(graph, G.rows), G.rows.map { x in x.map { $0 - x[0] } })
    }

    @Test func twoComputedTensorsCombine() throws {
        let graph = G.graph([G.node(.relu, outputs: ["r"], name: "relu"), G.node(.multiply, [G.input, "r"])], features: 4)
        G.expectClose(try G.run(graph, G.rows), G.rows.map { x in x.map { $0 * max($0, 0) } })
    }

    @Test func shapesThatDoNotBroadcastAreRefusedNamingTheNode() {
        let graph = G.graph([G.node(.add, [G.input, "c"], name: "add_7")], features: 4, constants: ["c": ConstantTensor(shape: [3], values: [1, 2, 3])])
        let reason = G.refusal(graph)
        #expect(reason?.contains("add_7") == true && reason?.contains("do not broadcast") == true, "\(reason ?? "")")
    }

    static let unary: [(GraphOperation, @Sendable (Float) -> Float, String)] = [
        (.relu, { max($0, 0) }, "Relu"),
        (.leakyRelu(alpha: 0.1), { $0 >= 0 ? $0 : 0.1 * $0 }, "LeakyRelu"),
        (.sigmoid, { Float(1 / (1 + exp(-Double($0)))) }, "Sigmoid"),
        (.tanh, { Float(tanh(Double($0))) }, "Tanh"),
        (.cast(.integer), { $0.rounded(.towardZero) }, "Cast to int"),
        (.cast(.boolean), { $0 != 0 ? 1 : 0 }, "Cast to bool"),
        (.cast(.float), { $0 }, "Cast to float"),
        (.identity, { $0 }, "Identity"),
    ]

    @Test(arguments: 0..<8)
    func eachUnaryOperatorFollowsItsDefinition(_ index: Int) throws {
        let (operation, function, name) = Self.unary[index]
        let rows = G.rows + [[-1.7, 1.7, -0.0001, 20]]
        G.expectClose(try G.run(G.graph([G.node(operation)], features: 4), rows), rows.map { $0.map(function) }, name)
    }
}
