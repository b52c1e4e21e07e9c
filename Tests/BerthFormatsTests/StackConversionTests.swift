import BerthCore
import Testing
@testable import BerthFormats

/// Tensors stacked along the batch axis, which Berth keeps first in every tensor. A bagging ensemble's average as
/// skl2onnx writes it — each answer Reshaped to `[1, -1, C]`, Concatenated on axis 0, a ReduceMean over axis 0 —
/// becomes the mean of the parts, each shaped `[N, C]`, and a part or a stack read any other way is refused by name;
/// parts concatenated on axis 0, reshaped to a row each and transposed become the parts side by side.
@Suite struct StackConversionTests {
    typealias T = ONNXGraphConverterTests

    /// A converter that has read the three parts `p0`…`p2` of `x`, `a` and `b` and their Concat `stack`.
    static func stacked(parts: Int = 3) throws(ModelReadError.Reason) -> GraphConverter {
        var converter = GraphConverter(opset: 17)
        converter.constants["shape"] = ConstantTensor(shape: [3], values: [1, -1, 2])
        for (index, source) in ["x", "a", "b"].prefix(parts).enumerated() {
            try converter.add(T.node("Reshape", [source, "shape"], outputs: ["p\(index)"], name: "reshape\(index)"))
        }
        try converter.add(T.node("Concat", (0..<parts).map { "p\($0)" }, outputs: ["stack"], name: "concat", with: ["axis": .init(int: 0)]))
        return converter
    }

    @Test func theMeanOfAStackIsItsPartsAddedThenDivided() throws {
        var converter = try Self.stacked()
        try converter.add(T.node("Relu", ["x"], outputs: ["a"], name: "relu"))
        try converter.add(T.node("Sigmoid", ["x"], outputs: ["b"], name: "sigmoid"))
        try converter.add(T.node("ReduceMean", ["stack"], outputs: ["y"], name: "mean", with: ["axes": .init(ints: [0]), "keepdims": .init(int: 0)]))
        let nodes = try converter.nodes(needing: "y", input: "x")
        #expect(nodes.map(\.operation) == [.relu, .sigmoid, .reshape(allowZero: false), .reshape(allowZero: false), .reshape(allowZero: false),
                                           .add, .add, .divide])
        let shaped = nodes[2...4].map { $0.outputs[0] }
        #expect(nodes[2...4].map { $0.inputs[0] } == ["x", "a", "b"] && converter.constants[nodes[2].inputs[1]]?.values == [-1, 2])
        #expect(nodes[5].inputs == [shaped[0], shaped[1]] && nodes[6].inputs == [nodes[5].outputs[0], shaped[2]])
        #expect(nodes[7].inputs[0] == nodes[6].outputs[0] && converter.constants[nodes[7].inputs[1]]?.values == [3] && nodes[7].outputs == ["y"])
    }

    /// Opset 18 gives the axes as an input; a ReduceSum is the parts added, with nothing divided.
    @Test func aSumOverAxesGivenAsAnInputIsThePartsAdded() throws {
        var converter = try Self.stacked(parts: 1)
        converter.constants["zero"] = ConstantTensor(shape: [1], values: [0])
        try converter.add(T.node("ReduceSum", ["stack", "zero"], outputs: ["y"], name: "sum", with: ["keepdims": .init(int: 0)]))
        #expect(try converter.nodes(needing: "y", input: "x").map(\.operation) == [.reshape(allowZero: false), .identity])
    }

    @Test func aPartOrAStackReadAnyOtherWayIsRefused() throws {
        var part = GraphConverter(opset: 17)
        part.constants["shape"] = ConstantTensor(shape: [3], values: [1, -1, 2])
        try part.add(T.node("Reshape", ["x", "shape"], outputs: ["p0"], name: "reshape"))
        #expect(throws: ModelReadError.Reason.self) { try part.add(T.node("Relu", ["p0"], outputs: ["r"], name: "relu")) }
        #expect(throws: ModelReadError.Reason.self) { try part.add(T.node("Concat", ["p0", "x"], outputs: ["c"], name: "mixed", with: ["axis": .init(int: 0)])) }
        #expect(throws: ModelReadError.Reason.self) { try part.add(T.node("Concat", ["p0"], outputs: ["c"], name: "across", with: ["axis": .init(int: 1)])) }

        var stack = try Self.stacked()
        do {
            try stack.add(T.node("ReduceMax", ["stack"], outputs: ["y"], name: "max", with: ["axes": .init(ints: [0]), "keepdims": .init(int: 0)]))
            Issue.record("a ReduceMax of a stack was accepted")
        } catch {
            #expect(error.text.contains("ReduceMax 'max' reads 'stack'"), "\(error.text)")
        }
        var kept = try Self.stacked()
        #expect(throws: ModelReadError.Reason.self) {
            try kept.add(T.node("ReduceMean", ["stack"], outputs: ["y"], name: "mean", with: ["axes": .init(ints: [0]), "keepdims": .init(int: 1)]))
        }
    }

    /// QuadraticDiscriminantAnalysis's K distances, each `[N, 1]`: Concat on axis 0, Reshape to `[K, -1]`, Transpose
    /// `[1, 0]` is `[N, K]`, each part a column: the parts flattened to columns and concatenated on axis 1.
    @Test func partsConcatenatedAsRowsThenTransposedAreColumns() throws {
        var converter = GraphConverter(opset: 17)
        converter.constants["rows"] = ConstantTensor(shape: [2], values: [2, -1])
        try converter.add(T.node("ReduceSum", ["x"], outputs: ["d0"], name: "d0"))
        try converter.add(T.node("ReduceSumSquare", ["x"], outputs: ["d1"], name: "d1"))
        try converter.add(T.node("Concat", ["d0", "d1"], outputs: ["both"], name: "concat", with: ["axis": .init(int: 0)]))
        try converter.add(T.node("Reshape", ["both", "rows"], outputs: ["as_rows"], name: "reshape"))
        try converter.add(T.node("Transpose", ["as_rows"], outputs: ["y"], name: "transpose", with: ["perm": .init(ints: [1, 0])]))
        let nodes = try converter.nodes(needing: "y", input: "x")
        // The Concat on axis 0 and its Reshape are not needed any more: nothing runs them.
        #expect(nodes.map(\.operation).suffix(3) == [.reshape(allowZero: false), .reshape(allowZero: false), .concat(axis: 1)])
        #expect(nodes.count == 5 && nodes[2].inputs[0] == "d0" && nodes[3].inputs[0] == "d1")
        #expect(converter.constants[nodes[2].inputs[1]]?.values == [-1, 1] && nodes[4].inputs == [nodes[2].outputs[0], nodes[3].outputs[0]])
    }
}
