import CBerthKernels

/// ONNX BatchNormalization at inference, as PyTorch's `nn.BatchNorm1d` exports: each channel (axis 1) times its
/// scale plus its bias, the two worked out from the layer's statistics when the model is read; in C
/// (`berth_channel_affine_f32`), eight values a step, product and sum rounded apart as onnxruntime rounds them.
struct ChannelAffineKernel: GraphKernel {
    let scale: [Float]
    let bias: [Float]

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        let shape = inputs[0]
        guard shape.count >= 2, shape[1] == scale.count, bias.count == scale.count else {
            throw ModelValidationError("""
                a BatchNormalization of \(scale.count) channels reads a tensor of shape \(Shapes.describe(shape)), whose axis 1 \
                (the channels) is not \(scale.count) long
                """)
        }
        return [shape]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let (outer, channels, inner) = Shapes.aroundAxis(inputs[0].shape, axis: 1, flattenFromAxis: false)
        guard outer > 0, channels > 0, inner > 0 else { return }
        scale.withUnsafeBufferPointer { scale in
            bias.withUnsafeBufferPointer { bias in
                berth_channel_affine_f32(outer, channels, inner, inputs[0].buffer.baseAddress!, scale.baseAddress!, bias.baseAddress!,
                                         outputs[0].buffer.baseAddress!)
            }
        }
    }
}

/// ONNX LayerNormalization (opset 17; PyTorch's `nn.LayerNorm`): each row's entries from `axis` to the last, less
/// their mean and over their standard deviation (`epsilon` under the root), then times the scale (the second input)
/// plus the bias (the third, when given), each as long as those entries or a single value. The mean and variance
/// are worked out in double precision, two passes over the entries, and never across the batch axis; the rows are
/// normalised in C (`berth_layer_normalize_f32`), vectorised.
struct LayerNormalizationKernel: GraphKernel {
    let axis: Int
    let epsilon: Float
    /// A row's mean and deviation in double and a division: about a third of a transcendental function a value.
    var workPerOutputValue: Int { 1 }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        let shape = inputs[0]
        let resolved = try Shapes.axis(axis, rank: shape.count)
        guard resolved > 0, !shape[resolved...].contains(batch) else {
            throw ModelValidationError("a LayerNormalization from axis \(axis) of a tensor of shape \(Shapes.describe(shape)) mixes the rows of a request")
        }
        let span = shape[resolved...].reduce(1, *)
        for parameter in inputs.dropFirst() {
            let count = parameter.reduce(1, *)
            guard !parameter.contains(batch), count == span || count == 1 else {
                throw ModelValidationError("""
                    a LayerNormalization over \(span) entries a row takes a scale or bias of shape \(Shapes.describe(parameter))
                    """)
            }
        }
        return [shape]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let (rows, span, _) = Shapes.aroundAxis(inputs[0].shape, axis: axis, flattenFromAxis: true)
        let scale = inputs[1].buffer
        let bias = inputs.count > 2 ? inputs[2].buffer : nil
        // The scale and bias as long as a row (`berth_layer_normalize_f32` reads them so, vectorised).
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * span) { parameters in
            for offset in 0..<span {
                parameters[offset] = scale[scale.count == 1 ? 0 : offset]
                parameters[span + offset] = bias.map { $0[$0.count == 1 ? 0 : offset] } ?? 0
            }
            berth_layer_normalize_f32(rows, span, inputs[0].buffer.baseAddress!, parameters.baseAddress!,
                                      bias == nil ? nil : parameters.baseAddress! + span, Double(epsilon), outputs[0].buffer.baseAddress!)
        }
    }
}
