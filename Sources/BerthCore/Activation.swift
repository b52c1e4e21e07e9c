import CBerthKernels

/// An activation applied to each value on its own: the graph's Relu, LeakyRelu, Sigmoid and Tanh nodes, run alone
/// (`UnaryKernel`) or folded into the dense layer before them (`DenseEpilogue`). Both run this one definition, so a
/// folded layer answers bit for bit as the layer and the node apart.
///
/// Sigmoid and Tanh are worked out in double precision, within about 1e-15 of the exact value, and rounded once to
/// float (`berth_activate_f32`): the correctly rounded value on every instruction set, vectorised, where the C
/// library's `expf` and `tanhf` cost 6–23 ns a value and were an ulp or two off.
public enum Activation: Sendable, Equatable {
    case relu
    case leakyRelu(alpha: Float)
    case sigmoid
    case tanh

    /// What a value of it weighs when a graph decides to split a batch (`GraphKernel.workPerOutputValue`): Sigmoid and
    /// Tanh are transcendental, Relu and LeakyRelu next to nothing.
    var workPerValue: Int {
        switch self {
        case .sigmoid, .tanh: transcendentalValueWork
        case .relu, .leakyRelu: 0
        }
    }

    /// `output[i] = activation(input[i])` for `count` values; `input` may be `output`.
    func apply(from input: UnsafePointer<Float>, to output: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .relu:
            // `!(v <= 0)` keeps NaN and turns -0 into +0, as the dense kernels' stores do.
            for index in 0..<count { output[index] = !(input[index] <= 0) ? input[index] : 0 }
        case .leakyRelu(let alpha): berth_activate_f32(BERTH_ACTIVATION_LEAKY_RELU, alpha, input, output, count)
        case .sigmoid: berth_activate_f32(BERTH_ACTIVATION_SIGMOID, 0, input, output, count)
        case .tanh: berth_activate_f32(BERTH_ACTIVATION_TANH, 0, input, output, count)
        }
    }
}

extension GraphOperation {
    /// The activation this node is, or nil.
    var activation: Activation? {
        switch self {
        case .relu: .relu
        case .leakyRelu(let alpha): .leakyRelu(alpha: alpha)
        case .sigmoid: .sigmoid
        case .tanh: .tanh
        default: nil
        }
    }
}
