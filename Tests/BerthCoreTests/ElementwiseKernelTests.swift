import Foundation
import Testing
@testable import BerthCore

/// Add, Sub, Mul, Div with numpy broadcasting, and the one-in one-out operators, each against its ONNX definition.
@Suite struct ElementwiseKernelTests {
    typealias G = GraphTesting

    static let binary: [(GraphOperation, @Sendable (Float, Float) -> Float, String)] = [
        (.add, { $0 + $1 }, "Add"), (.subtract, { $0 - $1 }, "Sub"), (.multiply, { $0 * $1 }, "Mul"), (.divide, { $0 / $1 }, "Div"),
    ]

    @Test(arguments: 0..<4)
    func aConstantRowBroadcastsOverEveryRow(_ index: Int) throws {
        let (operation, function, name) = Self.binary[index]
        let row: [Float] = [0.5, -4, 2, 10]
        let graph = G.graph([G.node(operation, [G.input, "c"])], features: 4, constants: ["c": ConstantTensor(shape: [4], values: row)])
        G.expectClose(try G.run(graph, G.rows), G.rows.map { x in zip(x, row).map(function) }, name)
    }

    @Test(arguments: 0..<4)
    func aScalarBroadcastsOnTheLeftToo(_ index: Int) throws {
        let (operation, function, name) = Self.binary[index]
        let graph = G.graph([G.node(operation, ["c", G.input])], features: 4, constants: ["c": ConstantTensor(shape: [], values: [3])])
        G.expectClose(try G.run(graph, G.rows), G.rows.map { x in x.map { function(3, $0) } }, name)
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
