import BerthCore
import Testing
@testable import BerthFormats

/// Shapes built from the batch size, as torch writes `x.view(x.size(0), -1)` and `torch.ones(x.size(0), 1)`: the size
/// is followed from its Shape to a Reshape's target (a 0, which keeps the batch) or a ConstantOfShape (`fillRows`), and
/// refused anywhere else; shapes of constants and arithmetic of constants are worked out at load.
@Suite struct BatchSizeConversionTests {
    typealias T = ONNXGraphConverterTests

    /// A converter that has read `batch = Unsqueeze(Gather(Shape(x), 0), [0])`.
    static func withBatchSize() throws(ModelReadError.Reason) -> GraphConverter {
        var converter = GraphConverter(opset: 17)
        converter.constants["zero"] = ConstantTensor(shape: [], values: [0])
        converter.constants["axes"] = ConstantTensor(shape: [1], values: [0])
        converter.constants["minus_one"] = ConstantTensor(shape: [1], values: [-1])
        try converter.add(T.node("Shape", ["x"], outputs: ["shape"], name: "shape"))
        try converter.add(T.node("Gather", ["shape", "zero"], outputs: ["size"], name: "gather"))
        try converter.add(T.node("Unsqueeze", ["size", "axes"], outputs: ["batch"], name: "unsqueeze"))
        return converter
    }

    @Test func aViewByTheBatchSizeIsAReshapeThatKeepsIt() throws {
        var converter = try Self.withBatchSize()
        try converter.add(T.node("Concat", ["batch", "minus_one"], outputs: ["target"], name: "concat", with: ["axis": .init(int: 0)]))
        try converter.add(T.node("Reshape", ["x", "target"], outputs: ["y"], name: "view"))
        let nodes = try converter.nodes(needing: "y", input: "x")
        #expect(nodes.map(\.operation) == [.reshape(allowZero: false)] && nodes[0].inputs[0] == "x")
        #expect(converter.constants[nodes[0].inputs[1]]?.values == [0, -1])
    }

    @Test func aConstantOfShapeOfTheBatchSizeFillsRows() throws {
        var converter = try Self.withBatchSize()
        converter.constants["one"] = ConstantTensor(shape: [1], values: [1])
        try converter.add(T.node("Concat", ["batch", "one"], outputs: ["target"], name: "concat", with: ["axis": .init(int: 0)]))
        try converter.add(T.node("ConstantOfShape", ["target"], outputs: ["y"], name: "ones",
                                 with: ["value": .init(tensor: ONNXTensorProto(dims: [1], dataType: 1, values: [2.5]))]))
        let nodes = try converter.nodes(needing: "y", input: "x")
        #expect(nodes.map(\.operation) == [.fillRows(trailing: [1], value: 2.5)] && nodes[0].inputs == ["x"])
    }

    @Test func theBatchSizeReadAnyOtherWayOrAnotherDimensionIsRefused() throws {
        var added = try Self.withBatchSize()
        #expect(throws: ModelReadError.Reason.self) { try added.add(T.node("Add", ["batch", "minus_one"], outputs: ["y"], name: "add")) }
        var second = GraphConverter(opset: 17)
        second.constants["one"] = ConstantTensor(shape: [], values: [1])
        try second.add(T.node("Shape", ["x"], outputs: ["shape"], name: "shape"))
        do {
            try second.add(T.node("Gather", ["shape", "one"], outputs: ["width"], name: "width"))
            Issue.record("a Gather of dimension 1 of a request's shape was accepted")
        } catch {
            #expect(error.text.contains("other than the batch size"), "\(error.text)")
        }
    }

    @Test func shapesAndArithmeticOfConstantsAreWorkedOutAtLoad() throws {
        var converter = GraphConverter(opset: 17)
        converter.constants["rows"] = ConstantTensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6])
        converter.constants["two"] = ConstantTensor(shape: [1], values: [2])
        converter.constants["first"] = ConstantTensor(shape: [1], values: [0])
        try converter.add(T.node("Shape", ["rows"], outputs: ["shape"], name: "shape"))
        try converter.add(T.node("Gather", ["shape", "first"], outputs: ["count"], name: "gather"))
        try converter.add(T.node("Div", ["rows", "two"], outputs: ["halves"], name: "div"))
        try converter.add(T.node("Mul", ["x", "two"], outputs: ["y"], name: "mul"))
        #expect(converter.constants["shape"]?.values == [3, 2] && converter.constants["count"]?.values == [3])
        #expect(converter.constants["halves"] == ConstantTensor(shape: [3, 2], values: [0.5, 1, 1.5, 2, 2.5, 3]))
        #expect(try converter.nodes(needing: "y", input: "x").map(\.operation) == [.multiply])
        // One value in as many dimensions takes the other's shape; in more, numpy would add dimensions: left to run.
        converter.constants["one_in_two"] = ConstantTensor(shape: [1, 1], values: [10])
        converter.constants["vector"] = ConstantTensor(shape: [2], values: [1, 2])
        try converter.add(T.node("Add", ["one_in_two", "rows"], outputs: ["shifted"], name: "shift"))
        try converter.add(T.node("Add", ["one_in_two", "vector"], outputs: ["wider"], name: "widen"))
        #expect(converter.constants["shifted"] == ConstantTensor(shape: [3, 2], values: [11, 12, 13, 14, 15, 16]))
        #expect(converter.constants["wider"] == nil)
    }

    /// A GaussianProcessRegressor adds its `[1, 1]` mean to its `[N]` predictions (`[1, N]` in onnxruntime), then
    /// reshapes them to `[-1, 1]`: Berth adds the value as a scalar and reshapes, which gives the same `[N, 1]`.
    @Test func anOperationWithOneValueInMoreDimensionsBeforeAColumnTakesTheValueAlone() throws {
        var converter = GraphConverter(opset: 17)
        converter.constants["mean"] = ConstantTensor(shape: [1, 1], values: [0.25])
        converter.constants["column"] = ConstantTensor(shape: [2], values: [-1, 1])
        try converter.add(T.node("Add", ["x", "mean"], outputs: ["shifted"], name: "add"))
        try converter.add(T.node("Reshape", ["shifted", "column"], outputs: ["y"], name: "reshape"))
        let nodes = try converter.nodes(needing: "y", input: "x")
        #expect(nodes.map(\.operation) == [.add, .reshape(allowZero: false)] && nodes[0].inputs[0] == "x")
        #expect(converter.constants[nodes[0].inputs[1]] == ConstantTensor(shape: [], values: [0.25]))
        #expect(nodes[1].inputs == [nodes[0].outputs[0], "column"] && nodes[1].outputs == ["y"])
        // Read as it is, the operation keeps the file's operands.
        #expect(try converter.nodes(needing: "shifted", input: "x").first?.inputs == ["x", "mean"])
    }

    /// A shape, index or axis a file holds as NaN, infinity or past Int's range is refused by name at load, as any
    /// other dimension that is not one (fuzzing found each of these trapping in `Int(_:)`).
    @Test func dimensionsThatAreNotWholeNumbersAreRefused() throws {
        var converter = GraphConverter(opset: 17)
        converter.constants["pair"] = ConstantTensor(shape: [2], values: [1, 2])
        converter.constants["nan"] = ConstantTensor(shape: [1], values: [.nan])
        converter.constants["huge"] = ConstantTensor(shape: [1], values: [1e30])
        converter.constants["empty"] = ConstantTensor(shape: [0], values: [])
        converter.constants["one"] = ConstantTensor(shape: [], values: [1])
        for (node, words) in [
            (T.node("Gather", ["pair", "nan"], outputs: ["g"], name: "gather"), "takes index nan of 2 values"),
            (T.node("Gather", ["pair", "huge"], outputs: ["g"], name: "gather"), "of 2 values"),
            (T.node("ConstantOfShape", ["nan"], outputs: ["c"], name: "fill"), "not whole numbers"),
            (T.node("ConstantOfShape", ["huge"], outputs: ["c"], name: "fill"), "not whole numbers"),
            (T.node("Split", ["x", "huge"], outputs: ["s"], name: "split", with: ["axis": .init(int: 1)]), "Berth splits by constant sizes"),
        ] {
            do {
                try converter.add(node)
                Issue.record("\(node.opType) of a dimension that is not a whole number was accepted")
            } catch {
                #expect(error.text.contains(words), "\(error.text)")
            }
        }
        // One value and an empty constant are left to the planner, which checks their shapes.
        try converter.add(T.node("Add", ["one", "empty"], outputs: ["sum"], name: "add"))
        #expect(converter.constants["sum"] == nil)
        var batch = try Self.withBatchSize()
        for dimension in ["nan", "huge"] {
            #expect(throws: ModelReadError.Reason.self) {
                try batch.add(T.node("Concat", ["batch", dimension], outputs: ["target"], name: "concat", with: ["axis": .init(int: 0)]))
            }
        }
    }
}
