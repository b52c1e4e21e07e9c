import BerthCore
import Testing
@testable import BerthFormats

/// The exact GELU as PyTorch's exporter writes it below opset 20 — five element-wise nodes — runs as one `.gelu`
/// step, in each order the exporters write; a near miss (another constant, another tensor) stays as written.
@Suite struct GELUFusionTests {
    typealias T = ONNXGraphConverterTests

    static func converter() -> GraphConverter {
        var converter = GraphConverter(opset: 17)
        converter.constants["root_two"] = ConstantTensor(shape: [], values: [1.414_213_5])
        converter.constants["root_half"] = ConstantTensor(shape: [1], values: [0.707_106_77])
        converter.constants["one"] = ConstantTensor(shape: [], values: [1])
        converter.constants["half"] = ConstantTensor(shape: [], values: [0.5])
        converter.constants["third"] = ConstantTensor(shape: [], values: [0.333])
        return converter
    }

    /// `nodes` read in order, then what the answer `y` needs.
    static func operations(_ nodes: [ONNXNodeProto]) throws -> [OperatorNode] {
        var converter = Self.converter()
        for node in nodes { try converter.add(node) }
        return try converter.nodes(needing: "y", input: "x")
    }

    static func erfPlusOne(dividingBy divisor: String = "root_two", of x: String = "x", scaling: Bool = false, oneFirst: Bool = false) -> [ONNXNodeProto] {
        [scaling ? T.node("Mul", ["root_half", x], outputs: ["scaled"], name: "scale") : T.node("Div", [x, divisor], outputs: ["scaled"], name: "div"),
         T.node("Erf", ["scaled"], outputs: ["erf"], name: "erf"),
         T.node("Add", oneFirst ? ["one", "erf"] : ["erf", "one"], outputs: ["p"], name: "add")]
    }

    @Test func torchsFiveNodesAreOneGELU() throws {
        let nodes = try Self.operations(Self.erfPlusOne() + [T.node("Mul", ["x", "p"], outputs: ["xp"], name: "mul"),
                                                             T.node("Mul", ["xp", "half"], outputs: ["y"], name: "mul_1")])
        #expect(nodes.map(\.operation) == [.unaryMath(.gelu(tanhApproximation: false))])
        #expect(nodes[0].inputs == ["x"] && nodes[0].outputs == ["y"] && nodes[0].name == "mul_1")
    }

    @Test func theHalfFirstAndOtherOrdersAreOneGELUToo() throws {
        let halfFirst = try Self.operations([T.node("Mul", ["x", "half"], outputs: ["h"], name: "half")] + Self.erfPlusOne(oneFirst: true)
                                            + [T.node("Mul", ["h", "p"], outputs: ["y"], name: "mul")])
        #expect(halfFirst.map(\.operation) == [.unaryMath(.gelu(tanhApproximation: false))] && halfFirst[0].inputs == ["x"])
        let scaled = try Self.operations(Self.erfPlusOne(scaling: true) + [T.node("Mul", ["p", "x"], outputs: ["xp"], name: "mul"),
                                                                        T.node("Mul", ["half", "xp"], outputs: ["y"], name: "mul_1")])
        #expect(scaled.map(\.operation) == [.unaryMath(.gelu(tanhApproximation: false))] && scaled[0].inputs == ["x"])
    }

    @Test func aNearMissStaysAsWritten() throws {
        // Divided by another constant.
        let other = try Self.operations(Self.erfPlusOne(dividingBy: "third") + [T.node("Mul", ["x", "p"], outputs: ["xp"], name: "mul"),
                                                                             T.node("Mul", ["xp", "half"], outputs: ["y"], name: "mul_1")])
        #expect(other.count == 5 && other.last?.operation == .multiply)
        // The erf of one tensor times another.
        let mixed = try Self.operations([T.node("Relu", ["x"], outputs: ["r"], name: "relu")] + Self.erfPlusOne(of: "r")
                                        + [T.node("Mul", ["x", "p"], outputs: ["xp"], name: "mul"),
                                           T.node("Mul", ["xp", "half"], outputs: ["y"], name: "mul_1")])
        #expect(mixed.count == 6 && !mixed.contains { $0.operation == .unaryMath(.gelu(tanhApproximation: false)) })
    }

    /// A tensor of the five that another node reads is still computed for it; the answer takes the GELU.
    @Test func anIntermediateReadElsewhereIsKept() throws {
        var converter = Self.converter()
        for node in Self.erfPlusOne() + [T.node("Mul", ["x", "p"], outputs: ["xp"], name: "mul"),
                                         T.node("Mul", ["xp", "half"], outputs: ["g"], name: "mul_1"),
                                         T.node("Add", ["g", "erf"], outputs: ["y"], name: "sum")] {
            try converter.add(node)
        }
        let nodes = try converter.nodes(needing: "y", input: "x")
        #expect(nodes.map(\.operation) == [.divide, .unaryMath(.erf), .unaryMath(.gelu(tanhApproximation: false)), .add])
    }
}
