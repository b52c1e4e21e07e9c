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

    /// How many classes a classifier tells apart; nil for regression.
    public var classCount: Int? {
        switch self {
        case .regression: nil
        case .binaryProbability, .binaryMargin, .binaryLabel: 2
        case .classProbabilities(let labels): labels.count
        case .classIndex(let count): count
        }
    }

    /// The same meaning with `labels` naming the classes where the meaning carries names (class probabilities).
    public func relabelled(_ labels: ClassLabels) -> PredictionMeaning {
        guard case .classProbabilities = self else { return self }
        return .classProbabilities(labels: labels)
    }
}

/// The names a classifier gives its classes, in class order: XGBoost's are `0 ..< num_class`; an ONNX
/// classifier names them with integers or strings (`classlabels_int64s`, `classlabels_strings`).
public enum ClassLabels: Sendable, Equatable {
    case integers([Int])
    case strings([String])

    /// `setosa,versicolor,virginica` (`BERTH_CLASS_LABELS`): integers when every label is one, text otherwise; nil when
    /// a label is empty.
    public init?(parsing text: String) {
        let labels = text.split(separator: ",", omittingEmptySubsequences: false).map { label in
            String(label.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
        }
        guard !labels.isEmpty, labels.allSatisfy({ !$0.isEmpty }) else { return nil }
        let integers = labels.compactMap { Int($0) }
        self = integers.count == labels.count ? .integers(integers) : .strings(labels)
    }

    public var count: Int {
        switch self {
        case .integers(let labels): labels.count
        case .strings(let labels): labels.count
        }
    }
}
