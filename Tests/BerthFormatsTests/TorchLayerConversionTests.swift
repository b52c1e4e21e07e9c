import BerthCore
import Testing
@testable import BerthFormats

/// The layers PyTorch's exporter writes beside Linear and the activations: BatchNormalization becomes the per-channel
/// scale and bias it computes at inference, Dropout passes its input through, LayerNormalization keeps its axis and
/// epsilon; each is refused by name where it would train (statistics updated, values dropped).
@Suite struct TorchLayerConversionTests {
    typealias T = ONNXGraphConverterTests

    static func batchNormalization(_ converter: inout GraphConverter, attributes: [String: ONNXAttribute] = [:],
                                   outputs: [String] = ["y"]) throws(ModelReadError.Reason) {
        converter.constants["scale"] = ConstantTensor(shape: [2], values: [2, 0.5])
        converter.constants["bias"] = ConstantTensor(shape: [2], values: [1, -1])
        converter.constants["mean"] = ConstantTensor(shape: [2], values: [3, -4])
        converter.constants["variance"] = ConstantTensor(shape: [2], values: [3.99, 0.24])
        try converter.add(T.node("BatchNormalization", ["x", "scale", "bias", "mean", "variance"], outputs: outputs, name: "bn",
                                 with: attributes.merging(["epsilon": .init(float: 0.01)]) { given, _ in given }))
    }

    @Test func batchNormalizationIsAScaleAndBiasPerChannel() throws {
        var converter = GraphConverter(opset: 17)
        try Self.batchNormalization(&converter)
        let nodes = try converter.nodes(needing: "y", input: "x")
        // scale / √(variance + ε): 2 / 2 and 0.5 / 0.5; bias − mean · that: 1 − 3 and −1 + 4.
        #expect(nodes.map(\.operation) == [.channelAffine(scale: [1, 1], bias: [-2, 3])])
        #expect(nodes[0].inputs == ["x"] && nodes[0].outputs == ["y"])
    }

    @Test func batchNormalizationInTrainingModeIsRefused() {
        var training = GraphConverter(opset: 17)
        #expect(throws: ModelReadError.Reason.self) { try Self.batchNormalization(&training, attributes: ["training_mode": .init(int: 1)]) }
        var statistics = GraphConverter(opset: 17)
        do {
            try Self.batchNormalization(&statistics, outputs: ["y", "running_mean", "running_var"])
            Issue.record("a BatchNormalization writing its running statistics was accepted")
        } catch {
            #expect(error.text.contains("training mode") && error.text.contains("'bn'"), "\(error.text)")
        }
        var computed = GraphConverter(opset: 17)
        try? computed.add(T.node("Relu", ["x"], outputs: ["r"], name: "relu"))
        let refusal = T.refusal(T.node("BatchNormalization", ["x", "r", "r", "r", "r"], name: "bn"))
        #expect(refusal.contains("from the request") || refusal.contains("constants"), "\(refusal)")
    }

    @Test func dropoutPassesItsInputThroughAndIsRefusedWhereItWouldDrop() throws {
        var converter = GraphConverter(opset: 17)
        converter.constants["ratio"] = ConstantTensor(shape: [], values: [0.5])
        converter.constants["off"] = ConstantTensor(shape: [], values: [0])
        try converter.add(T.node("Dropout", ["x", "ratio", "off"], outputs: ["y"], name: "dropout"))
        let nodes = try converter.nodes(needing: "y", input: "x")
        #expect(nodes.map(\.operation) == [.identity] && nodes[0].inputs == ["x"])

        var training = GraphConverter(opset: 17)
        training.constants["on"] = ConstantTensor(shape: [], values: [1])
        #expect(throws: ModelReadError.Reason.self) { try training.add(T.node("Dropout", ["x", "", "on"], outputs: ["y"], name: "dropout")) }
        #expect(T.refusal(T.node("Dropout", ["x"], outputs: ["y", "mask"], name: "dropout")).contains("mask"))
    }

    @Test func layerNormalizationKeepsItsAxisAndEpsilon() throws {
        let operation = try T.operation(T.node("LayerNormalization", ["x", "scale", "bias"], name: "ln",
                                               with: ["axis": .init(int: 1), "epsilon": .init(float: 1e-3)]), opset: 17)
        #expect(operation == .layerNormalization(axis: 1, epsilon: 1e-3))
        #expect(T.refusal(T.node("LayerNormalization", ["x", "scale"], outputs: ["y", "mean"], name: "ln")).contains("eval mode"))
        #expect(try T.operation(T.node("Erf"), opset: 17) == .unaryMath(.erf))
    }

    /// The activations carry ONNX's defaults where the node gives none, and the exporter's values where it does.
    @Test func theActivationsTakeONNXsDefaults() throws {
        #expect(try T.operation(T.node("Selu"), opset: 20) == .unaryMath(.selu(alpha: 1.673_263_192_176_818_847_656_25, gamma: 1.050_701_022_148_132_324_218_75)))
        #expect(try T.operation(T.node("Elu"), opset: 20) == .unaryMath(.elu(alpha: 1)))
        #expect(try T.operation(T.node("HardSigmoid"), opset: 20) == .unaryMath(.hardSigmoid(alpha: 0.2, beta: 0.5)))
        #expect(try T.operation(T.node("Gelu", with: ["approximate": .init(string: "tanh")]), opset: 20) == .unaryMath(.gelu(tanhApproximation: true)))
        #expect(try T.operation(T.node("Gelu"), opset: 20) == .unaryMath(.gelu(tanhApproximation: false)))
        #expect(try T.operation(T.node("PRelu", ["x", "slope"]), opset: 20) == .parametricRelu)
        #expect(try T.operation(T.node("Shrink"), opset: 20) == .unaryMath(.shrink(bias: 0, lambda: 0.5)))
        #expect(T.refusal(T.node("Gelu", name: "g", with: ["approximate": .init(string: "sigmoid")])).contains("Gelu 'g' has approximate sigmoid"))
    }

    /// Split by sizes is a Slice an output, each of its run along the axis; the sizes an attribute before opset 13, an
    /// input from it. Without sizes it is refused, naming the node.
    @Test func aSplitIsASliceAnOutput() throws {
        var inputs = GraphConverter(opset: 13)
        inputs.constants["sizes"] = ConstantTensor(shape: [3], values: [2, 3, 1])
        try inputs.add(T.node("Split", ["x", "sizes"], outputs: ["a", "b", "c"], name: "split", with: ["axis": .init(int: 1)]))
        #expect(try inputs.nodes(needing: "b", input: "x").map(\.operation) == [.slice(starts: [2], ends: [5], axes: [1])])
        #expect(try inputs.nodes(needing: "c", input: "x").map(\.operation) == [.slice(starts: [5], ends: [6], axes: [1])])
        var attribute = GraphConverter(opset: 11)
        try attribute.add(T.node("Split", ["x"], outputs: ["a", "b"], name: "split", with: ["axis": .init(int: -1), "split": .init(ints: [4, 4])]))
        #expect(try attribute.nodes(needing: "a", input: "x").map(\.operation) == [.slice(starts: [0], ends: [4], axes: [-1])])
        var equal = GraphConverter(opset: 18)
        do {
            try equal.add(T.node("Split", ["x"], outputs: ["a", "b"], name: "chunks", with: ["num_outputs": .init(int: 2)]))
            Issue.record("a Split without sizes was accepted")
        } catch {
            #expect(error.text.contains("Split 'chunks' gives no sizes"), "\(error.text)")
        }
    }
}
