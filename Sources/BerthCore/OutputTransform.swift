#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What turns a row of margins (the sums of the trees) into the numbers a client receives.
///
/// Each XGBoost objective maps to one of these (docs/model-formats.md §2.2). The arithmetic is float32 throughout,
/// like XGBoost's own `PredTransform`, so results agree to the last few ulps.
public enum OutputTransform: String, Sendable, Equatable, CaseIterable {
    /// The margin itself (`reg:squarederror`, `binary:logitraw`, `rank:*`, …).
    case identity
    /// `1 / (1 + exp(-m))` per output (`binary:logistic`, `reg:logistic`).
    case sigmoid
    /// `exp(m)` per output (`count:poisson`, `reg:gamma`, `reg:tweedie`, `survival:*`).
    case exponential
    /// `m > 0 ? 1 : 0` (`binary:hinge`).
    case hinge
    /// Softmax across the row's outputs (`multi:softprob`).
    case softmax
    /// The index of the largest margin, as one output (`multi:softmax`).
    case argmax

    /// How many numbers a row yields for `groupCount` margins.
    public func outputCount(groupCount: Int) -> Int {
        self == .argmax ? 1 : groupCount
    }

    /// Transforms one row of margins into `output` (which holds `outputCount(groupCount:)` values).
    @inlinable
    public func apply(margins: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .identity:
            for index in margins.indices { output[index] = margins[index] }
        case .sigmoid:
            for index in margins.indices { output[index] = 1 / (1 + expf(-margins[index])) }
        case .exponential:
            for index in margins.indices { output[index] = expf(margins[index]) }
        case .hinge:
            for index in margins.indices { output[index] = margins[index] > 0 ? 1 : 0 }
        case .softmax:
            var largest = -Float.infinity
            for margin in margins where margin > largest { largest = margin }
            var total: Float = 0
            for index in margins.indices {
                let value = expf(margins[index] - largest)
                output[index] = value
                total += value
            }
            for index in margins.indices { output[index] /= total }
        case .argmax:
            var best = 0
            for index in margins.indices where margins[index] > margins[best] { best = index }
            output[0] = Float(best)
        }
    }
}
