import BerthCore
import Testing
@testable import BerthFormats

/// Integer tensors, which Berth holds as floats: a Div, Pow, mean or norm of integers is truncated toward zero as
/// onnxruntime computes it (the `onnx-integer-arithmetic` fixture checks the numbers against onnxruntime), and the
/// same operators on floats are left alone.
@Suite struct IntegerTensorConversionTests {
    typealias T = ONNXGraphConverterTests

    /// A converter that has read `whole = Cast(x, int64)`, with int64 constants `three` (3) and `k` (2).
    static func withIntegers() throws(ModelReadError.Reason) -> GraphConverter {
        var converter = GraphConverter(opset: 17)
        converter.constants["three"] = ConstantTensor(shape: [], values: [3])
        converter.constants["k"] = ConstantTensor(shape: [1], values: [2])
        converter.integerTensors.formUnion(["three", "k"])
        try converter.add(T.node("Cast", ["x"], outputs: ["whole"], name: "cast", with: ["to": .init(int: 7)]))
        return converter
    }

    @Test func aDivisionOfIntegersIsTruncatedTowardZeroWithoutANegativeZero() throws {
        var converter = try Self.withIntegers()
        try converter.add(T.node("Div", ["whole", "three"], outputs: ["y"], name: "thirds"))
        let nodes = try converter.nodes(needing: "y", input: "x")
        #expect(nodes.map(\.operation) == [.cast(.integer), .divide, .cast(.integer)])
        let answer = try T.answer(converter, [7.9, -7.9, -1, 6])
        #expect(answer == [2, -2, 0, 2])
        #expect(answer[2].sign == .plus, "-1 / 3 is 0, not -0")
    }

    @Test func aDivisionOfFloatsIsLeftAlone() throws {
        var converter = GraphConverter(opset: 17)
        converter.constants["three"] = ConstantTensor(shape: [], values: [3])
        try converter.add(T.node("Div", ["x", "three"], outputs: ["y"], name: "thirds"))
        #expect(try converter.nodes(needing: "y", input: "x").map(\.operation) == [.divide])
        // A float Cast in between ends the integers.
        var cast = try Self.withIntegers()
        try cast.add(T.node("Cast", ["whole"], outputs: ["real"], name: "real", with: ["to": .init(int: 1)]))
        try cast.add(T.node("Div", ["real", "three"], outputs: ["y"], name: "thirds"))
        #expect(try T.answer(cast, [7, 1]) == [7.0 / 3, 1.0 / 3])
    }

    /// An integer Div by a `[1, 1]` value, reshaped to a column (the operation taken with its one value, as for a
    /// GaussianProcessRegressor's mean), is truncated there too.
    @Test func anIntegerDivisionByOneHeldValueReshapedToAColumnIsTruncated() throws {
        var converter = try Self.withIntegers()
        converter.constants["pair"] = ConstantTensor(shape: [1, 1], values: [2])
        converter.constants["column"] = ConstantTensor(shape: [2], values: [-1, 1])
        converter.constants["features"] = ConstantTensor(shape: [1], values: [1])
        converter.integerTensors.formUnion(["pair", "column", "features"])
        try converter.add(T.node("ReduceSum", ["whole", "features"], outputs: ["sum"], name: "sum", with: ["keepdims": .init(int: 0)]))
        try converter.add(T.node("Div", ["sum", "pair"], outputs: ["half"], name: "half"))
        try converter.add(T.node("Reshape", ["half", "column"], outputs: ["y"], name: "column"))
        #expect(try T.answer(converter, [3, 4], [-3, -4]) == [3, -3])
    }

    /// onnxruntime truncates each term of a ReduceLogSumExp of integers; Berth refuses the node rather than answer
    /// otherwise.
    @Test func aLogSumExpOfIntegersIsRefused() throws {
        var converter = try Self.withIntegers()
        do {
            try converter.add(T.node("ReduceLogSumExp", ["whole"], outputs: ["y"], name: "lse"))
            Issue.record("an integer ReduceLogSumExp was accepted")
        } catch {
            #expect(error.text.contains("ReduceLogSumExp 'lse' of integers"), "\(error.text)")
        }
    }

    @Test func integerConstantsAreDividedAtLoadTruncated() throws {
        var converter = try Self.withIntegers()
        converter.constants["seven"] = ConstantTensor(shape: [2], values: [7, -7])
        converter.integerTensors.insert("seven")
        try converter.add(T.node("Div", ["seven", "three"], outputs: ["q"], name: "q"))
        #expect(converter.constants["q"]?.values == [2, -2])
        // A Constant node of int64 is an integer too.
        try converter.add(T.node("Constant", [], outputs: ["eight"], name: "eight", with: ["value_ints": .init(ints: [8])]))
        try converter.add(T.node("Div", ["eight", "three"], outputs: ["r"], name: "r"))
        #expect(converter.constants["r"]?.values == [2])
    }

    /// Integers through the operators that keep their type (Abs, Add, Concat, Where's branches), and from the ones
    /// that make them (ArgMax, TopK's indices): each Div, Pow, mean and norm of them truncated.
    @Test func integersAreFollowedThroughTheOperatorsThatKeepThem() throws {
        var converter = try Self.withIntegers()
        converter.constants["half"] = ConstantTensor(shape: [], values: [0.5])
        converter.constants["one"] = ConstantTensor(shape: [], values: [1])
        converter.constants["yes"] = ConstantTensor(shape: [], values: [1])
        converter.integerTensors.insert("one")
        try converter.add(T.node("Abs", ["whole"], outputs: ["magnitude"], name: "abs"))
        try converter.add(T.node("Add", ["magnitude", "one"], outputs: ["divisor"], name: "add"))
        try converter.add(T.node("Div", ["whole", "divisor"], outputs: ["ratio"], name: "ratio"))
        try converter.add(T.node("Pow", ["magnitude", "half"], outputs: ["root"], name: "root"))
        try converter.add(T.node("ReduceMean", ["whole"], outputs: ["mean"], name: "mean", with: ["axes": .init(ints: [1])]))
        try converter.add(T.node("ReduceL2", ["whole"], outputs: ["norm"], name: "norm", with: ["axes": .init(ints: [1])]))
        try converter.add(T.node("ArgMax", ["x"], outputs: ["largest"], name: "argmax", with: ["axis": .init(int: 1)]))
        try converter.add(T.node("Div", ["largest", "k"], outputs: ["largest_half"], name: "largest_half"))
        try converter.add(T.node("TopK", ["x", "k"], outputs: ["top", "top_index"], name: "top"))
        try converter.add(T.node("Div", ["top_index", "k"], outputs: ["top_half"], name: "top_half"))
        try converter.add(T.node("Div", ["top", "k"], outputs: ["top_value_half"], name: "top_value_half"))
        try converter.add(T.node("Where", ["yes", "whole", "whole"], outputs: ["chosen"], name: "where"))
        try converter.add(T.node("Div", ["chosen", "three"], outputs: ["chosen_third"], name: "chosen_third"))
        try converter.add(T.node("Concat", ["ratio", "root", "mean", "norm", "largest_half", "top_half", "top_value_half", "chosen_third"],
                                 outputs: ["y"], name: "concat", with: ["axis": .init(int: 1)]))
        // Row [-7, 2, 5]: ratios -7/8, 2/3, 5/6; roots of 7, 2, 5; mean 0/3; norm √78; arg max 2 / 2; TopK [5, 2] at
        // [2, 1], halved 1 and 0, its values halved as floats 2.5 and 1; then -7/3, 2/3, 5/3.
        let answer = try T.answer(converter, [-7, 2, 5])
        #expect(answer == [0, 0, 0, 2, 1, 2, 0, 8, 1, 1, 0, 2.5, 1, -2, 0, 1])
    }
}
