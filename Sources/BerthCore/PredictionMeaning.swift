/// What a model's output numbers mean to the person who asked for them.
///
/// A format reader knows its objective (XGBoost's `binary:logistic`, an ONNX classifier) and says what the
/// numbers are; the codecs decide from this alone which outputs a client may select (labels, probabilities, raw
/// scores) and how to derive them, without knowing any model format.
public enum PredictionMeaning: Sendable, Equatable {
    /// One number per output: regression, ranking, counts, survival.
    case regression
    /// The probability of class 1 (`binary:logistic`).
    case binaryProbability
    /// An unbounded score for class 1 (`binary:logitraw`).
    case binaryMargin
    /// The class itself, 0 or 1 (`binary:hinge`).
    case binaryLabel
    /// One probability per class, in class order (`multi:softprob`, an ONNX classifier).
    case classProbabilities(labels: ClassLabels)
    /// The index of the winning class (`multi:softmax`).
    case classIndex(classCount: Int)
}

/// The names a classifier gives its classes, in class order: XGBoost's are `0 ..< num_class`; an ONNX
/// classifier names them with integers or strings (`classlabels_int64s`, `classlabels_strings`).
public enum ClassLabels: Sendable, Equatable {
    case integers([Int])
    case strings([String])

    public var count: Int {
        switch self {
        case .integers(let labels): labels.count
        case .strings(let labels): labels.count
        }
    }
}
