import BerthCore
import Testing
@testable import BerthFormats

/// The k-NN Scan (`ONNXScanDistances`) recognised in each body skl2onnx writes, and refused, naming why, in any other;
/// the converter's hold on its distances (only the Transpose that swaps them may read them) and on a lookup's
/// result (only a Reshape may). The fixtures `onnx-knn-*` check the answers against onnxruntime.
@Suite struct ONNXScanDistancesTests {
    typealias T = ONNXGraphConverterTests

    /// skl2onnx's body: Identity of the state; Sub; then `steps` to the scan output.
    static func scan(_ steps: [ONNXNodeProto], scanned: String = "train", attributes: [String: ONNXAttribute] = [:],
                     initializers: [ONNXTensorProto] = []) -> ONNXNodeProto {
        let body = ONNXGraphProto(
            nodes: [T.node("Identity", ["next_in"], outputs: ["next_out"], name: "keep"),
                    T.node("Sub", ["next_in", "next"], outputs: ["diff"], name: "sub")] + steps,
            initializers: initializers,
            inputs: [ONNXValueInfo(name: "next_in"), ONNXValueInfo(name: "next")],
            outputs: [ONNXValueInfo(name: "next_out"), ONNXValueInfo(name: "scan_out")])
        var all = attributes
        all["num_scan_inputs"] = .init(int: 1)
        all["body"] = .init(graph: body)
        return T.node("Scan", ["x", scanned], outputs: ["state", "stacked"], name: "cdist", with: all)
    }

    static let keepNoDims: [String: ONNXAttribute] = ["keepdims": .init(int: 0)]
    static let axes = ONNXTensorProto(name: "axes", dims: [1], values: [1])

    static func converter() -> GraphConverter {
        var converter = GraphConverter(opset: 17)
        converter.constants["train"] = ConstantTensor(shape: [4, 2], values: [0, 1, 2, 3, 4, 5, 6, 7])
        converter.constants["p"] = ConstantTensor(shape: [1], values: [3])
        return converter
    }

    static func metric(of node: ONNXNodeProto) throws -> GraphOperation {
        var converter = converter()
        try converter.add(node)
        try converter.add(T.node("Transpose", ["stacked"], outputs: ["distances"], name: "swap", with: ["perm": .init(ints: [1, 0])]))
        let nodes = try converter.nodes(needing: "distances", input: "x")
        try #require(nodes.count == 2)
        #expect(nodes[0].inputs == ["x", "train"] && nodes[1].operation == .identity)
        return nodes[0].operation
    }

    @Test func eachBodySkl2onnxWritesIsADistance() throws {
        let squares = T.node("ReduceSumSquare", ["diff"], outputs: ["scan_out"], name: "square", with: ["axes": .init(ints: [1]), "keepdims": .init(int: 0)])
        #expect(try Self.metric(of: Self.scan([squares])) == .neighborDistances(.squaredEuclidean))
        let manhattan = [T.node("Abs", ["diff"], outputs: ["absolute"], name: "abs"),
                         T.node("ReduceSum", ["absolute", "axes"], outputs: ["sum"], name: "sum", with: Self.keepNoDims),
                         T.node("Identity", ["sum"], outputs: ["scan_out"], name: "out")]
        #expect(try Self.metric(of: Self.scan(manhattan, initializers: [Self.axes])) == .neighborDistances(.manhattan))
        // The exponent from the model's own constants, the axes from the body's.
        let minkowski = [T.node("Abs", ["diff"], outputs: ["absolute"], name: "abs"),
                         T.node("Pow", ["absolute", "p"], outputs: ["powered"], name: "pow"),
                         T.node("ReduceSum", ["powered", "axes"], outputs: ["scan_out"], name: "sum", with: Self.keepNoDims)]
        #expect(try Self.metric(of: Self.scan(minkowski, initializers: [Self.axes])) == .neighborDistances(.powerSum(3)))
    }

    static func refusal(_ node: ONNXNodeProto) -> String {
        var converter = converter()
        do {
            try converter.add(node)
            Issue.record("the Scan was accepted")
            return ""
        } catch {
            return error.text
        }
    }

    @Test func anyOtherScanIsRefusedNamingWhy() {
        let squares = T.node("ReduceSumSquare", ["diff"], outputs: ["scan_out"], name: "square", with: ["axes": .init(ints: [1]), "keepdims": .init(int: 0)])
        let prefix = "Scan 'cdist' is not the distance Berth recognises (skl2onnx's cdist of a k-nearest-neighbours model): "
        let multiply = T.node("Mul", ["diff", "diff"], outputs: ["scan_out"], name: "times")
        #expect(Self.refusal(Self.scan([multiply])) == prefix + "its body's Mul 'times' is not a step of it")
        let keptDims = T.node("ReduceSumSquare", ["diff"], outputs: ["scan_out"], name: "square", with: ["axes": .init(ints: [1])])
        #expect(Self.refusal(Self.scan([keptDims])) == prefix + "its body's ReduceSumSquare 'square' is not a step of it")
        let overRows = T.node("ReduceSumSquare", ["diff"], outputs: ["scan_out"], name: "square", with: ["axes": .init(ints: [0]), "keepdims": .init(int: 0)])
        #expect(Self.refusal(Self.scan([overRows])) == prefix + "its body's ReduceSumSquare 'square' is not a step of it")
        #expect(Self.refusal(Self.scan([squares], scanned: "x")) == prefix + "it scans 'x', which is not a constant")
        #expect(Self.refusal(Self.scan([squares], attributes: ["scan_input_directions": .init(ints: [1])]))
                == prefix + "it has scan_input_directions other than 0")
        var bodiless = Self.scan([squares])
        bodiless.attributes["body"] = nil
        #expect(Self.refusal(bodiless) == prefix + "it has no body Berth reads")
        let noOutput = T.node("ReduceSumSquare", ["diff"], outputs: ["elsewhere"], name: "square", with: ["axes": .init(ints: [1]), "keepdims": .init(int: 0)])
        #expect(Self.refusal(Self.scan([noOutput])) == prefix + "its body's scan output is not a sum over the features")
    }

    /// The distances are `[N, M]` in Berth, `[M, N]` in the file: anything but the Transpose that swaps them is refused,
    /// and so is a lookup's result read by anything but a Reshape.
    @Test func theHeldTensorsHaveTheirOneReader() throws {
        let squares = T.node("ReduceSumSquare", ["diff"], outputs: ["scan_out"], name: "square", with: ["axes": .init(ints: [1]), "keepdims": .init(int: 0)])
        var converter = Self.converter()
        try converter.add(Self.scan([squares]))
        let early = #expect(throws: ModelReadError.Reason.self) { try converter.add(T.node("Sqrt", ["stacked"], outputs: ["root"], name: "root")) }
        #expect(early?.text == "Sqrt 'root' reads the Scan's distances 'stacked' before their Transpose")
        let other = #expect(throws: ModelReadError.Reason.self) {
            try converter.add(T.node("Transpose", ["stacked"], outputs: ["t"], name: "t", with: ["perm": .init(ints: [0, 1])]))
        }
        #expect(other?.text == "Transpose 't' of the Scan's distances is not perm [1, 0]")
        #expect(throws: ModelReadError.Reason.self) { try converter.nodes(needing: "stacked", input: "x") }

        converter.constants["labels"] = ConstantTensor(shape: [4], values: [0, 1, 1, 0])
        try converter.add(T.node("ArrayFeatureExtractor", ["labels", "x"], outputs: ["picked"], name: "pick", domain: "ai.onnx.ml"))
        let equal = #expect(throws: ModelReadError.Reason.self) { try converter.add(T.node("Equal", ["picked", "labels"], outputs: ["e"], name: "eq")) }
        #expect(equal?.text == "Equal 'eq' reads 'picked', a lookup by computed indices that only a Reshape may read")
        converter.constants["shape"] = ConstantTensor(shape: [2], values: [-1, 2])
        try converter.add(T.node("Reshape", ["picked", "shape"], outputs: ["neighbours"], name: "rows"))
        let nodes = try converter.nodes(needing: "neighbours", input: "x")
        #expect(nodes.map(\.operation) == [.tableLookup, .reshape(allowZero: false)])
    }

    /// A lookup in a table of 2 rows is `[2, N·k]` in onnxruntime and `[N, 2, k]` in Berth: its Reshape to `[2, -1, k]`
    /// becomes Berth's `[-1, 2, k]`, and the Transpose `[1, 0, 2]` after it nothing; any other reader is refused.
    @Test func aLookupInATableOfRowsIsReshapedAndTransposedBack() throws {
        var converter = Self.converter()
        converter.constants["targets"] = ConstantTensor(shape: [2, 4], values: [0, 1, 2, 3, 4, 5, 6, 7])
        converter.constants["rows"] = ConstantTensor(shape: [3], values: [2, -1, 3])
        converter.constants["wrong"] = ConstantTensor(shape: [3], values: [3, -1, 2])
        try converter.add(T.node("ArrayFeatureExtractor", ["targets", "x"], outputs: ["picked"], name: "pick", domain: "ai.onnx.ml"))
        let wrong = #expect(throws: ModelReadError.Reason.self) { try converter.add(T.node("Reshape", ["picked", "wrong"], outputs: ["w"], name: "w")) }
        #expect(wrong?.text == "Reshape 'w' of a lookup in a table of 2 rows is not to [2, -1, k]")
        try converter.add(T.node("Reshape", ["picked", "rows"], outputs: ["split"], name: "split"))
        let early = #expect(throws: ModelReadError.Reason.self) { try converter.add(T.node("Cast", ["split"], outputs: ["c"], name: "cast")) }
        #expect(early?.text == "Cast 'cast' reads 'split', a lookup by computed indices that only a Transpose may read")
        let other = #expect(throws: ModelReadError.Reason.self) {
            try converter.add(T.node("Transpose", ["split"], outputs: ["t"], name: "t", with: ["perm": .init(ints: [2, 1, 0])]))
        }
        #expect(other?.text == "Transpose 't' of a lookup in a table of rows is not perm [1, 0, 2]")
        try converter.add(T.node("Transpose", ["split"], outputs: ["back"], name: "back", with: ["perm": .init(ints: [1, 0, 2])]))
        let nodes = try converter.nodes(needing: "back", input: "x")
        #expect(nodes.map(\.operation) == [.tableLookup, .reshape(allowZero: false), .identity])
        #expect(converter.constants[nodes[1].inputs[1]]?.values == [-1, 2, 3] && nodes[1].inputs[1] == "split#shape")
    }

    /// A body is read for the model graph's own nodes and stepped over deeper down: a hostile file's subgraphs nested
    /// 200,000 deep decode without recursing into them.
    @Test func subgraphsAreReadOneLevelDeep() throws {
        func header(_ field: Int, length: Int) -> [UInt8] {
            var bytes: [UInt8] = [UInt8(field << 3 | 2)]
            var rest = length
            while rest >= 0x80 { bytes.append(UInt8(rest & 0x7F | 0x80)); rest >>= 7 }
            return bytes + [UInt8(rest)]
        }
        let scan: [UInt8] = [0x22, 4] + Array("Scan".utf8), name: [UInt8] = [0x0A, 4] + Array("body".utf8)
        // From the inside out: graph { node { op_type, attribute { name, g: graph { … } } } }, each level ending where
        // the next begins, so every header is known from the length of what follows it.
        var headers = [[UInt8]](), length = 0
        for _ in 0..<200_000 {
            let attribute = header(6, length: length)
            length += attribute.count + name.count
            let node = header(5, length: length)
            length += node.count + scan.count
            let graph = header(1, length: length)
            length += graph.count
            headers.append(graph + scan + node + name + attribute)
        }
        let bytes: [UInt8] = [0x08, 8] + header(7, length: length) + headers.reversed().joined()
        let model = try bytes.withUnsafeBufferPointer { buffer in
            try ONNXProtoDecoder(bytes: buffer, externalData: { _ in nil }).model()
        }
        let body = try #require(model.graph.nodes.first?.attributes["body"]?.graph)
        #expect(body.nodes.first?.opType == "Scan" && body.nodes.first?.attributes["body"] != nil)
        #expect(body.nodes.first?.attributes["body"]?.graph == nil)
    }
}
