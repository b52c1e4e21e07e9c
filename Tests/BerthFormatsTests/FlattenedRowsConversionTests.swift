import BerthCore
import Testing
@testable import BerthFormats

/// The request's values flattened into one row (a Flatten at axis 0, as skl2onnx's QuantileTransformer writes): held
/// `[N, F]`, read value by value, and brought back by a Reshape to a request tensor's Shape; anything that would mix
/// the rows or the values' places is refused. The `onnx-quantile-transformer` fixture checks the numbers against
/// onnxruntime.
@Suite struct FlattenedRowsConversionTests {
    typealias T = ONNXGraphConverterTests

    /// A converter that has read `flat = Flatten(x, axis 0)` and `shape = Shape(x)`, with a 1-D `table` of 10 values
    /// (10, 20, …, 100) and the scalar `two`.
    static func flattened() throws(ModelReadError.Reason) -> GraphConverter {
        var converter = GraphConverter(opset: 17)
        converter.constants["table"] = ConstantTensor(shape: [10], values: (1...10).map { Float($0 * 10) })
        converter.constants["two"] = ConstantTensor(shape: [], values: [2])
        try converter.add(T.node("Flatten", ["x"], outputs: ["flat"], name: "flatten", with: ["axis": .init(int: 0)]))
        try converter.add(T.node("Shape", ["x"], outputs: ["shape"], name: "shape"))
        return converter
    }

    @Test func flattenedValuesAreReadValueByValueAndReshapedBack() throws {
        var converter = try Self.flattened()
        try converter.add(T.node("Cast", ["flat"], outputs: ["index"], name: "index", with: ["to": .init(int: 7)]))
        try converter.add(T.node("Gather", ["table", "index"], outputs: ["looked_up"], name: "lookup"))
        try converter.add(T.node("Mul", ["looked_up", "two"], outputs: ["doubled"], name: "double"))
        try converter.add(T.node("Flatten", ["doubled"], outputs: ["still_flat"], name: "again"))
        try converter.add(T.node("Reshape", ["still_flat", "shape"], outputs: ["y"], name: "back"))
        // Two rows: each value looked up in its own place, the rows apart.
        #expect(try T.answer(converter, [0, 3.5, 9], [9, 0, 1.5]) == [20, 80, 200, 200, 20, 40])
    }

    /// A Flatten at axis 0 of a tensor computed from constants alone is no request's values: it is worked out at load
    /// as before, so a request may be added to it.
    @Test func aFlattenOfConstantsIsFoldedNotHeld() throws {
        var converter = GraphConverter(opset: 17)
        converter.constants["w"] = ConstantTensor(shape: [3, 1], values: [1, 2, 3])
        try converter.add(T.node("Transpose", ["w"], outputs: ["row"], name: "transpose", with: ["perm": .init(ints: [1, 0])]))
        try converter.add(T.node("Flatten", ["row"], outputs: ["flat"], name: "flatten", with: ["axis": .init(int: 0)]))
        try converter.add(T.node("Add", ["x", "flat"], outputs: ["y"], name: "add"))
        #expect(try T.answer(converter, [10, 20, 30], [0, 0, 0]) == [11, 22, 33, 1, 2, 3])
    }

    @Test func whatWouldMixTheRowsOrTheValuesIsRefused() throws {
        func refusal(_ node: ONNXNodeProto) throws -> String {
            var converter = try Self.flattened()
            do {
                try converter.add(node)
                _ = try converter.nodes(needing: node.outputs[0], input: "x")
                Issue.record("\(node.opType) was accepted")
                return ""
            } catch {
                return error.text
            }
        }
        #expect(try refusal(T.node("ReduceSum", ["flat"], outputs: ["y"], name: "sum")).contains("value by value"))
        #expect(try refusal(T.node("Add", ["flat", "x"], outputs: ["y"], name: "mixed")).contains("not flattened"))
        #expect(try refusal(T.node("Gather", ["flat", "two"], outputs: ["y"], name: "picked")).contains("value by value"))
        #expect(try refusal(T.node("Abs", ["flat"], outputs: ["y"], name: "answer")).contains("flattened into one row"))
    }

    /// An integer times 0 is 0: a missing value cast to an integer (which onnxruntime's cast makes an integer) gives
    /// zeros, not a missing value, so QuantileTransformer's indices stay whole on a row with a missing value.
    @Test func anIntegerTimesZeroIsZeroEvenFromAMissingValue() throws {
        var converter = GraphConverter(opset: 17)
        converter.constants["zero"] = ConstantTensor(shape: [], values: [0])
        converter.integerTensors.insert("zero")
        try converter.add(T.node("Cast", ["x"], outputs: ["whole"], name: "cast", with: ["to": .init(int: 7)]))
        try converter.add(T.node("Mul", ["whole", "zero"], outputs: ["y"], name: "zeros"))
        #expect(try T.answer(converter, [.nan, 3]) == [0, 0])
        // A float times 0 keeps a missing value missing.
        var floats = GraphConverter(opset: 17)
        floats.constants["zero"] = ConstantTensor(shape: [], values: [0])
        try floats.add(T.node("Mul", ["x", "zero"], outputs: ["y"], name: "zeros"))
        #expect(try T.answer(floats, [.nan, 3]).map(\.isNaN) == [true, false])
    }
}
