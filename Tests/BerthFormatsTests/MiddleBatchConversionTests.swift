import BerthCore
import Testing
@testable import BerthFormats

/// A tensor whose batch axis an export moves to the middle (a Transpose `[1, 0, 2]`, as skl2onnx weighs a k-NN
/// regressor's targets by distance): held as it was, multiplied with a computed `[N, k]` operand given a middle axis,
/// and moved back by the same Transpose; any other reader is refused. The `onnx-knn-regressor-distance-targets`
/// fixture checks the numbers against onnxruntime.
@Suite struct MiddleBatchConversionTests {
    typealias T = ONNXGraphConverterTests

    /// A converter that has read `cube = Reshape(x, [-1, 2, 2])` (T = 2 targets of k = 2 each), `weights = Slice(x)`
    /// (its first two values, `[N, 2]`) and `moved = Transpose(cube, [1, 0, 2])`.
    static func moved() throws(ModelReadError.Reason) -> GraphConverter {
        var converter = GraphConverter(opset: 17)
        converter.constants["shape"] = ConstantTensor(shape: [3], values: [-1, 2, 2])
        converter.constants["starts"] = ConstantTensor(shape: [1], values: [0])
        converter.constants["ends"] = ConstantTensor(shape: [1], values: [2])
        converter.constants["axes"] = ConstantTensor(shape: [1], values: [1])
        try converter.add(T.node("Reshape", ["x", "shape"], outputs: ["cube"], name: "cube"))
        try converter.add(T.node("Slice", ["x", "starts", "ends", "axes"], outputs: ["weights"], name: "weights"))
        try converter.add(T.node("Transpose", ["cube"], outputs: ["moved"], name: "move", with: ["perm": .init(ints: [1, 0, 2])]))
        return converter
    }

    @Test func theMovedTensorIsWeighedByRowAndMovedBack() throws {
        var converter = try Self.moved()
        try converter.add(T.node("Mul", ["moved", "weights"], outputs: ["weighed"], name: "weigh"))
        try converter.add(T.node("Transpose", ["weighed"], outputs: ["back"], name: "back", with: ["perm": .init(ints: [1, 0, 2])]))
        try converter.add(T.node("Flatten", ["back"], outputs: ["y"], name: "flatten"))
        // Row [1, 2, 3, 4]: targets [[1, 2], [3, 4]] times weights [1, 2] → [[1, 4], [3, 8]]; each row by its own weights.
        #expect(try T.answer(converter, [1, 2, 3, 4], [2, 0, 5, 6]) == [1, 4, 3, 8, 4, 0, 10, 0])
    }

    @Test func anyOtherReaderOrAnAnswerWithTheBatchInTheMiddleIsRefused() throws {
        var reduced = try Self.moved()
        #expect(throws: ModelReadError.Reason.self) {
            try reduced.add(T.node("ReduceSum", ["moved"], outputs: ["y"], name: "sum"))
        }
        var answered = try Self.moved()
        try answered.add(T.node("Mul", ["moved", "weights"], outputs: ["y"], name: "weigh"))
        #expect(throws: ModelReadError.Reason.self) { _ = try answered.nodes(needing: "y", input: "x") }
    }
}
