#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ScorePostTransform {
    /// Transforms one row of scores in place, with onnxruntime's formulas (`ml_common.h`) so the numbers match it.
    func apply(_ row: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .none:
            return
        case .logistic:
            for index in row.indices { row[index] = Self.logistic(row[index]) }
        case .softmax, .softmaxZero:
            // The largest score from the lowest float up, so a missing one is passed over here and makes every
            // probability missing below, as in onnxruntime. SOFTMAX_ZERO leaves the scores within 1e-7 of 0 out of the
            // sum and scales them by e^−largest instead, and a row of such scores divides by a sum of 0: NaN or an
            // infinity, which is what onnxruntime answers too.
            var largest = -Float.greatestFiniteMagnitude
            for value in row where value > largest { largest = value }
            let zeroScale = expf(-largest)
            var total: Float = 0
            for index in row.indices {
                if self == .softmax || row[index] > 0.000_000_1 || row[index] < -0.000_000_1 {
                    row[index] = expf(row[index] - largest)
                    total += row[index]
                } else {
                    row[index] *= zeroScale
                }
            }
            for index in row.indices { row[index] /= total }
        case .probit:
            for index in row.indices { row[index] = Self.probit(row[index]) }
        }
    }

    /// onnxruntime's logistic, symmetric around 0 for accuracy.
    static func logistic(_ value: Float) -> Float {
        let positive = 1 / (1 + expf(-abs(value)))
        return value < 0 ? 1 - positive : positive
    }

    /// onnxruntime's probit: √2 · erfinv(2v − 1), with erfinv by Winitzki's approximation as onnxruntime computes it.
    static func probit(_ value: Float) -> Float {
        let x = value * 2 - 1
        let sign: Float = x < 0 ? -1 : 1
        let product = (1 - x) * (1 + x)
        let logarithm = logf(product)
        let first = 2 / (3.14159 * 0.147) + 0.5 * logarithm
        let second = 1 / 0.147 * logarithm
        return 1.41421356 * sign * sqrtf(-first + sqrtf(first * first - second))
    }
}
