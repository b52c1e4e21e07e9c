import BerthCore
import BerthText

extension GraphConverter {
    /// BatchNormalization at inference (`nn.BatchNorm1d` in eval mode): with its four statistics constant, each channel
    /// is `x · s + (B − mean · s)` where `s = scale / √(var + ε)`, worked out once here in float32 as onnxruntime
    /// works them out. A node in training mode, or one that writes its running statistics, is refused by name.
    mutating func addBatchNormalization(_ node: ONNXNodeProto, _ inputs: [String], epsilon: Float, trainingMode: Int) throws(ModelReadError.Reason) {
        guard trainingMode == 0, node.outputs.dropFirst().allSatisfy(\.isEmpty) else {
            throw .init("BatchNormalization \(quoted: node.name) is in training mode (it updates its statistics); export the model in eval mode")
        }
        guard inputs.count == 5 else { throw .init("BatchNormalization \(quoted: node.name) has \(inputs.count) inputs; ONNX defines 5") }
        let statistics = inputs.dropFirst().map { constants[$0] }
        guard let scale = statistics[0]?.values, let bias = statistics[1]?.values, let mean = statistics[2]?.values,
              let variance = statistics[3]?.values else {
            throw .init("BatchNormalization \(quoted: node.name) computes its scale, bias, mean or variance from the request; Berth takes them as constants")
        }
        let channels = scale.count
        guard [bias, mean, variance].allSatisfy({ $0.count == channels }) else {
            throw .init("BatchNormalization \(quoted: node.name) has statistics of lengths \([channels, bias.count, mean.count, variance.count]), not one per channel")
        }
        let factors = (0..<channels).map { scale[$0] * (1 / (variance[$0] + epsilon).squareRoot()) }
        let addends = (0..<channels).map { bias[$0] - mean[$0] * factors[$0] }
        converted.append(OperatorNode(name: node.name, operation: .channelAffine(scale: factors, bias: addends), inputs: [inputs[0]],
                                      outputs: [node.outputs[0]]))
    }

    /// Dropout at inference passes its input through. Refused where it would drop: a training mode that is not a
    /// constant false, or a mask output, which only training reads.
    mutating func addDropout(_ node: ONNXNodeProto, _ inputs: [String]) throws(ModelReadError.Reason) {
        guard let input = inputs.first, let output = node.outputs.first else { return }
        if inputs.count > 2, !inputs[2].isEmpty, constants[inputs[2]]?.values.allSatisfy({ $0 == 0 }) != true {
            throw .init("Dropout \(quoted: node.name) may be in training mode, where it drops values at random; export the model in eval mode")
        }
        guard node.outputs.dropFirst().allSatisfy(\.isEmpty) else {
            throw .init("Dropout \(quoted: node.name) writes its mask, which only training reads; export the model in eval mode")
        }
        converted.append(OperatorNode(name: node.name, operation: .identity, inputs: [input], outputs: [output]))
    }

    /// Split by given sizes (`torch.chunk`, `torch.split`, the halves of `nn.GLU`): each output a Slice of its run along
    /// the axis. An equal split whose sizes the file leaves to the axis's length is refused, as is one along the batch
    /// axis (its Slice would drop rows of a request).
    mutating func addSplit(_ node: ONNXNodeProto, _ inputs: [String]) throws(ModelReadError.Reason) {
        guard let input = inputs.first else { throw .init("Split \(quoted: node.name) has no input") }
        let axis = node.attributes["axis"]?.int ?? 0
        let given = opset < 13 ? node.attributes["split"]?.ints
            : inputs.count > 1 && !inputs[1].isEmpty ? constants[inputs[1]]?.wholeNumbers : nil
        guard let sizes = given, sizes.count == node.outputs.count, sizes.allSatisfy({ (0...Int(Int32.max)).contains($0) }) else {
            throw .init("""
                Split \(quoted: node.name) gives no sizes (or computes them, or gives \(given?.count ?? 0) for \(node.outputs.count) outputs); \
                Berth splits by constant sizes, one an output: export with torch.split's sizes
                """)
        }
        var start = 0
        for (size, output) in zip(sizes, node.outputs) {
            defer { start += size }
            guard !output.isEmpty else { continue }
            converted.append(OperatorNode(name: node.name, operation: .slice(starts: [start], ends: [start + size], axes: [axis]),
                                          inputs: [input], outputs: [output]))
        }
    }
}
