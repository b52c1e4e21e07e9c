#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BerthCore

/// What an XGBoost objective means at prediction time: its output transform, and the link that takes
/// `base_score` (stored in output space) to margin space (docs/model-formats.md §2.1–2.2).
public struct XGBoostObjective: Sendable, Equatable {
    public enum Link: Sendable, Equatable {
        case identity
        case logit
        case log
    }

    public let name: String
    public let transform: OutputTransform
    public let link: Link

    /// The objective called `name`, or nil when Berth does not know it.
    public init?(name: String) {
        self.name = name
        switch name {
        case "reg:squarederror", "reg:squaredlogerror", "reg:pseudohubererror", "reg:absoluteerror",
             "reg:quantileerror", "reg:linear", "rank:pairwise", "rank:ndcg", "rank:map":
            (transform, link) = (.identity, .identity)
        case "binary:logitraw":
            (transform, link) = (.identity, .identity)
        case "reg:logistic", "binary:logistic":
            (transform, link) = (.sigmoid, .logit)
        case "binary:hinge":
            (transform, link) = (.hinge, .identity)
        case "count:poisson", "reg:gamma", "reg:tweedie", "survival:cox", "survival:aft":
            (transform, link) = (.exponential, .log)
        case "multi:softprob":
            (transform, link) = (.softmax, .identity)
        case "multi:softmax":
            (transform, link) = (.argmax, .identity)
        default:
            return nil
        }
    }

    public static let supportedNames = [
        "reg:squarederror", "reg:squaredlogerror", "reg:pseudohubererror", "reg:absoluteerror", "reg:quantileerror",
        "reg:linear", "reg:logistic", "reg:gamma", "reg:tweedie", "binary:logistic", "binary:logitraw", "binary:hinge",
        "count:poisson", "survival:cox", "survival:aft", "multi:softprob", "multi:softmax",
        "rank:pairwise", "rank:ndcg", "rank:map",
    ]

    /// What this objective's outputs mean, for a model with `groupCount` output groups (classes).
    public func meaning(groupCount: Int) -> PredictionMeaning {
        switch name {
        case "binary:logistic": .binaryProbability
        case "binary:logitraw": .binaryMargin
        case "binary:hinge": .binaryLabel
        case "multi:softprob": .classProbabilities(labels: .integers(Array(0..<groupCount)))
        case "multi:softmax": .classIndex(classCount: groupCount)
        default: .regression
        }
    }

    /// Whether several models with this objective are combined by majority vote instead of by mean.
    public var votes: Bool { transform == .argmax || transform == .hinge }

    /// `base_score` taken from output space to margin space, in float32 like XGBoost's `ProbToMargin`. A
    /// probability is first kept within [1e-6, 1 − 1e-6], as xgboost 3.2 keeps it: a model trained on one class
    /// saves a base score of exactly 0 or 1, whose logit would be infinite (fixture `xgboost-logistic-one-class`).
    public func margin(fromBaseScore score: Float) -> Float {
        switch link {
        case .identity: return score
        case .logit:
            let probability = min(max(score, 1e-6), 1 - 1e-6)
            return -logf(1 / probability - 1)
        case .log: return logf(score)
        }
    }
}
