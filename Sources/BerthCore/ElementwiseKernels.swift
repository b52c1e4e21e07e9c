#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CBerthKernels

/// Relu, LeakyRelu, Sigmoid, Tanh, the other activations (`UnaryMath`), Cast, Exp, Log, Sqrt, Reciprocal, Neg, Abs, Not,
/// Erf, and a ConstantOfShape of a Shape: one value in, one value out, same shape.
struct UnaryKernel: GraphKernel {
    enum Function: Sendable { case activation(Activation), truncate, nonZero, math(UnaryMath), fill(Float) }

    let function: Function

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] { [inputs[0]] }

    var workPerOutputValue: Int {
        switch function {
        case .activation(let activation): activation.workPerValue
        case .math(.exp), .math(.log), .math(.erf), .math(.softplus), .math(.elu), .math(.selu), .math(.celu), .math(.mish),
             .math(.gelu): transcendentalValueWork
        default: 0
        }
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let input = inputs[0].buffer
        let output = outputs[0].buffer
        switch function {
        case .activation(let activation): activation.apply(from: input.baseAddress!, to: output.baseAddress!, count: input.count)
        // An integer has no negative zero: -0.5 becomes 0 (adding 0 turns -0 into 0), as onnxruntime casts it.
        case .truncate: for index in input.indices { output[index] = input[index].isFinite ? input[index].rounded(.towardZero) + 0 : input[index] }
        case .nonZero: for index in input.indices { output[index] = input[index] != 0 ? 1 : 0 }
        case .math(let function): Self.apply(function, input, output)
        case .fill(let value): output.update(repeating: value)
        }
    }

    private static func apply(_ function: UnaryMath, _ input: UnsafeMutableBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>) {
        switch function {
        case .exp: for index in input.indices { output[index] = expf(input[index]) }
        case .log: for index in input.indices { output[index] = logf(input[index]) }
        // In C: Swift's loop stays scalar (a k-NN model's 20,000 distances a row).
        case .sqrt: berth_square_root_f32(input.baseAddress!, output.baseAddress!, input.count)
        case .reciprocal: for index in input.indices { output[index] = 1 / input[index] }
        case .negate: for index in input.indices { output[index] = -input[index] }
        case .absolute: for index in input.indices { output[index] = abs(input[index]) }
        case .logicalNot: for index in input.indices { output[index] = input[index] == 0 ? 1 : 0 }
        case .isNaN: for index in input.indices { output[index] = input[index].isNaN ? 1 : 0 }
        // In C, vectorised and within about 1e-14 before rounding (the C library's `erff` took 10–17 ns a value here, this
        // 3.5–4.5; the exact GELU's cost at large batches).
        case .erf: berth_activate_f32(BERTH_ACTIVATION_ERF, 0, input.baseAddress!, output.baseAddress!, input.count)
        case .softplus: berth_activate_f32(BERTH_ACTIVATION_SOFTPLUS, 0, input.baseAddress!, output.baseAddress!, input.count)
        case .softsign: for index in input.indices { output[index] = input[index] / (1 + abs(input[index])) }
        // ELU's e^x − 1 in C, in double, vectorised (the C library's `exp` took about 10 ns a value, `expm1f` 32).
        case .elu(let alpha): berth_activate_f32(BERTH_ACTIVATION_ELU, alpha, input.baseAddress!, output.baseAddress!, input.count)
        case .selu(let alpha, let gamma):
            berth_activate_f32(BERTH_ACTIVATION_ELU, alpha, input.baseAddress!, output.baseAddress!, input.count)
            for index in output.indices { output[index] = gamma * output[index] }
        case .celu(let alpha):
            // CELU is α · ELU(x / α) below 0 with ELU's α taken as α: the ELU of x / α, then x from 0 up.
            combine(BERTH_ACTIVATION_ELU, alpha: alpha, input, output, of: { $0 / alpha }) { value, elu in
                value.isNaN ? value : max(0, value) + min(0, elu)
            }
        case .hardSigmoid(let alpha, let beta): for index in input.indices { output[index] = hardSigmoid(input[index], alpha, beta) }
        case .hardSwish: for index in input.indices { output[index] = input[index] * hardSigmoid(input[index], 1 / 6, 0.5) }
        case .mish: berth_activate_f32(BERTH_ACTIVATION_MISH, 0, input.baseAddress!, output.baseAddress!, input.count)
        case .shrink(let bias, let lambda):
            for index in input.indices {
                let value = input[index]
                output[index] = value < -lambda ? value + bias : value > lambda ? value - bias : 0
            }
        case .thresholdedRelu(let alpha): for index in input.indices { output[index] = input[index] > alpha ? input[index] : 0 }
        case .gelu(tanhApproximation: true):
            combine(BERTH_ACTIVATION_TANH, input, output, of: { 0.797_884_560_802_865_4 * ($0 + 0.044715 * $0 * $0 * $0) }) { value, tanh in
                0.5 * value * (1 + tanh)
            }
        case .gelu(tanhApproximation: false):
            berth_activate_f32(BERTH_ACTIVATION_GELU, 0, input.baseAddress!, output.baseAddress!, input.count)
        }
    }

    /// `output[i] = combine(input[i], activation(inner(input[i])))`, the activation one of `berth_activate_f32`'s,
    /// vectorised, 256 values at a time through the stack, so that `output` may be `input`.
    private static func combine(_ kind: Int32, alpha: Float = 0, _ input: UnsafeMutableBufferPointer<Float>,
                                _ output: UnsafeMutableBufferPointer<Float>, of inner: (Float) -> Float, _ combine: (Float, Float) -> Float) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 256) { scratch in
            for start in stride(from: 0, to: input.count, by: 256) {
                let count = min(256, input.count - start)
                for offset in 0..<count { scratch[offset] = inner(input[start + offset]) }
                berth_activate_f32(kind, alpha, scratch.baseAddress!, scratch.baseAddress!, count)
                for offset in 0..<count { output[start + offset] = combine(input[start + offset], scratch[offset]) }
            }
        }
    }

    /// NaN stays NaN (a comparison with it is false either way).
    private static func hardSigmoid(_ value: Float, _ alpha: Float, _ beta: Float) -> Float {
        let line = alpha * value + beta
        return line.isNaN ? line : max(0, min(1, line))
    }
}

/// Add, Sub, Mul, Div, Pow, the comparisons, And, Or, Xor, Max, Min and PRelu of two with numpy broadcasting; the
/// comparisons and logical operators give 1 or 0, and Max and Min NaN where either value is NaN, as onnxruntime's do.
struct BinaryKernel: GraphKernel {
    enum Function: Sendable {
        case add, subtract, multiply, divide, power, greater, less, equal, greaterOrEqual, lessOrEqual, and, or, xor, maximum, minimum
        case parametricRelu
    }

    let function: Function

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        [try Shapes.broadcast(inputs[0], inputs[1])]
    }

    @inline(__always)
    private func apply(_ a: Float, _ b: Float) -> Float {
        switch function {
        case .add: a + b
        case .subtract: a - b
        case .multiply: a * b
        case .divide: a / b
        case .power: powf(a, b)
        case .greater: a > b ? 1 : 0
        case .less: a < b ? 1 : 0
        case .equal: a == b ? 1 : 0
        case .greaterOrEqual: a >= b ? 1 : 0
        case .lessOrEqual: a <= b ? 1 : 0
        case .and: a != 0 && b != 0 ? 1 : 0
        case .or: a != 0 || b != 0 ? 1 : 0
        case .xor: (a != 0) != (b != 0) ? 1 : 0
        case .maximum: a.isNaN || b.isNaN ? .nan : max(a, b)
        case .minimum: a.isNaN || b.isNaN ? .nan : min(a, b)
        case .parametricRelu: a > 0 ? a : a * b
        }
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let first = inputs[0], second = inputs[1], output = outputs[0]
        let a = first.buffer, b = second.buffer, out = output.buffer
        // onnxruntime's Pow by one exponent of 2 or 3 multiplies; by anything else it is `pow` a value.
        if case .power = function, b.count == 1, b[0] == 2 || b[0] == 3, first.shape == output.shape {
            for index in out.indices { out[index] = b[0] == 2 ? a[index] * a[index] : a[index] * a[index] * a[index] }
            return
        }
        if first.shape == second.shape {
            for index in out.indices { out[index] = apply(a[index], b[index]) }
        } else if first.shape == output.shape, b.count == 1 {
            // By one value (a GELU's 0.5, 1 and √2): without an index into it, whose remainder cost more than the operation.
            let value = b[0]
            for index in out.indices { out[index] = apply(a[index], value) }
        } else if first.shape == output.shape, output.shape.count >= second.shape.count,
                  Array(output.shape.suffix(second.shape.count)) == second.shape {
            // The common bias case: [N, K] + [K].
            let width = b.count
            for index in out.indices { out[index] = apply(a[index], b[index % width]) }
        } else {
            let rank = output.shape.count
            let aStrides = Shapes.broadcastStrides(first.shape, rank: rank)
            let bStrides = Shapes.broadcastStrides(second.shape, rank: rank)
            let outStrides = Shapes.strides(output.shape)
            for index in out.indices {
                var remaining = index
                var aIndex = 0, bIndex = 0
                for dimension in 0..<rank {
                    let coordinate = remaining / outStrides[dimension]
                    remaining -= coordinate * outStrides[dimension]
                    aIndex += coordinate * aStrides[dimension]
                    bIndex += coordinate * bStrides[dimension]
                }
                out[index] = apply(a[aIndex], b[bIndex])
            }
        }
    }
}
