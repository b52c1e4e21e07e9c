#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What turns a row of double margins into a `DoubleForest`'s outputs: LightGBM's `ConvertOutput` of each
/// objective, in double arithmetic in the same order, so answers match `Booster.predict` to the last bit.
public enum DoubleOutputTransform: Sendable, Equatable {
    /// The margin itself (l1, l2, huber, fair, quantile, mape, ranking, a custom objective).
    case identity
    /// `1 / (1 + exp(-scale · m))` per output (binary, multiclassova, cross_entropy with scale 1).
    case sigmoid(scale: Double)
    /// Softmax across the row's outputs, shifted by the largest (multiclass).
    case softmax
    /// `exp(m)` (poisson, gamma, tweedie).
    case exponential
    /// `sign(m) · m · m` (a regression objective trained with `reg_sqrt`).
    case signedSquare
    /// `log(1 + exp(m))` (cross_entropy_lambda).
    case logOnePlusExp

    /// Transforms one row of margins in place.
    @inlinable
    public func apply(_ margins: UnsafeMutableBufferPointer<Double>) {
        switch self {
        case .identity:
            break
        case .sigmoid(let scale):
            for index in margins.indices { margins[index] = 1 / (1 + exp(-scale * margins[index])) }
        case .softmax:
            var largest = margins[0]
            for margin in margins.dropFirst() { largest = max(margin, largest) }
            var total = 0.0
            for index in margins.indices {
                margins[index] = exp(margins[index] - largest)
                total += margins[index]
            }
            for index in margins.indices { margins[index] /= total }
        case .exponential:
            for index in margins.indices { margins[index] = exp(margins[index]) }
        case .signedSquare:
            for index in margins.indices {
                let margin = margins[index]
                let sign: Double = margin > 0 ? 1 : (margin < 0 ? -1 : 0)
                margins[index] = sign * margin * margin
            }
        case .logOnePlusExp:
            for index in margins.indices { margins[index] = log1p(exp(margins[index])) }
        }
    }
}
