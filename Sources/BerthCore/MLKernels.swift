#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `ai.onnx.ml` Scaler and Imputer: per-feature arithmetic on `[N, F]`, with one value or one per feature.
struct FeatureKernel: GraphKernel {
    enum Function: Sendable {
        case scale(offset: [Float], scale: [Float])
        case impute(values: [Float], replaced: Float)
    }

    let function: Function

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        let width = inputs[0].last ?? 1
        let lengths: [Int]
        switch function {
        case .scale(let offset, let scale): lengths = [offset.count, scale.count]
        case .impute(let values, _): lengths = [values.count]
        }
        guard lengths.allSatisfy({ $0 == 1 || $0 == width }) else {
            throw ModelValidationError("per-feature attributes of length \(lengths) do not fit \(width) features")
        }
        return [inputs[0]]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let input = inputs[0].buffer, output = outputs[0].buffer
        let width = inputs[0].shape.last ?? 1
        switch function {
        case .scale(let offset, let scale):
            for index in input.indices {
                let feature = index % width
                output[index] = (input[index] - offset[offset.count == 1 ? 0 : feature]) * scale[scale.count == 1 ? 0 : feature]
            }
        case .impute(let values, let replaced):
            for index in input.indices {
                let value = input[index]
                let matches = replaced.isNaN ? value.isNaN : value == replaced
                output[index] = matches ? values[values.count == 1 ? 0 : index % width] : value
            }
        }
    }
}

/// `ai.onnx.ml` Normalizer: each row divided by its max, L1 norm (of absolute values) or L2 norm; a row whose divisor is
/// 0 is left as it is. Each with onnxruntime's arithmetic, so the bits match: the max found from the lowest float up
/// (a missing value passed over), and the L2 form as √(x² / Σx²) with x's sign rather than x / √Σx² (which rounds
/// differently, and gives 0 rather than NaN when the squares overflow).
struct NormalizerKernel: GraphKernel {
    let norm: NormalizerNorm

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] { [inputs[0]] }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let width = inputs[0].shape.last ?? 1
        let input = inputs[0].buffer, output = outputs[0].buffer
        for start in stride(from: 0, to: input.count, by: max(width, 1)) {
            let row = start..<start + width
            switch norm {
            case .max:
                let largest = input[row].reduce(-Float.greatestFiniteMagnitude) { $1 > $0 ? $1 : $0 }
                for index in row { output[index] = largest == 0 ? input[index] : input[index] / largest }
            case .l1:
                let total = input[row].reduce(0) { $0 + abs($1) }
                for index in row { output[index] = total == 0 ? input[index] : input[index] / total }
            case .l2:
                let total = input[row].reduce(0) { $0 + $1 * $1 }
                for index in row {
                    let value = input[index]
                    let magnitude = (value * value / total).squareRoot()
                    output[index] = total == 0 ? value : value < 0 ? -magnitude : magnitude
                }
            }
        }
    }
}

/// ONNX LpNormalization: each vector along the axis divided by its L1 or L2 norm, zeros where the norm is 0 (as
/// onnxruntime answers). skl2onnx's OneVsRestClassifier turns its classifiers' scores into probabilities so.
struct LpNormalizationKernel: GraphKernel {
    let axis: Int
    let order: Int

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        guard order == 1 || order == 2 else { throw ModelValidationError("LpNormalization of order \(order); ONNX defines 1 and 2") }
        let resolved = try Shapes.axis(axis, rank: inputs[0].count)
        guard inputs[0][resolved] != batch else { throw ModelValidationError("an LpNormalization along the batch axis mixes the rows of a request") }
        return [inputs[0]]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let (outer, length, inner) = Shapes.aroundAxis(inputs[0].shape, axis: axis, flattenFromAxis: false)
        let input = inputs[0].buffer, output = outputs[0].buffer
        for block in 0..<outer {
            for offset in 0..<inner {
                let base = block * length * inner + offset
                var norm: Float = 0
                for index in 0..<length {
                    let value = input[base + index * inner]
                    norm += order == 1 ? abs(value) : value * value
                }
                if order == 2 { norm = norm.squareRoot() }
                for index in 0..<length { output[base + index * inner] = norm == 0 ? 0 : input[base + index * inner] / norm }
            }
        }
    }
}

/// `ai.onnx.ml` LinearRegressor and LinearClassifier: the dense kernel, then the post transform. A classifier
/// with one coefficient row and two labels answers two columns as onnxruntime does: `[1 - s, s]`, with `s`
/// through the logistic first for LOGISTIC (and no softmax for SOFTMAX).
struct LinearKernel: GraphKernel {
    let dense: DenseKernel
    let postTransform: ScorePostTransform
    let widensBinary: Bool

    var outputWidth: Int { widensBinary ? 2 : dense.columns }
    var residentBytes: Int { dense.residentBytes }
    var parallelWorkPerRow: Int? { dense.parallelWorkPerRow }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        let scores = try dense.outputShapes(inputs)[0]
        return [Array(scores.dropLast()) + [outputWidth]]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let rows = inputs[0].count / max(dense.inner, 1)
        guard widensBinary else {
            dense.run(inputs, outputs)
            let output = outputs[0].buffer
            for row in 0..<rows {
                postTransform.apply(UnsafeMutableBufferPointer(rebasing: output[row * dense.columns ..< (row + 1) * dense.columns]))
            }
            return
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rows) { scores in
            dense.run(inputs, [TensorView(shape: [rows, 1], data: scores.baseAddress!)])
            let output = outputs[0].buffer
            for row in 0..<rows {
                let score = postTransform == .logistic ? ScorePostTransform.logistic(scores[row]) : scores[row]
                output[row * 2] = 1 - score
                output[row * 2 + 1] = score
            }
        }
    }
}
