import BerthCore
import BerthJSON

/// The outputs `SAGEMAKER_INFERENCE_OUTPUT` selects (e.g. `predicted_label,probabilities`), checked once at
/// start-up against what the model's outputs mean, and derived per row exactly as the official XGBoost
/// container derives them (`serve_utils.get_selected_predictions`).
///
/// The official container starts with an invalid key and answers `NaN` for it; Berth refuses to start and
/// names the keys the objective offers.
public struct OutputSelection: Sendable, Equatable {
    /// The keys in the order the variable lists them: CSV columns follow this order.
    public let keys: [SelectableOutput]
    public let meaning: PredictionMeaning
    /// The names of a binary or `multi:softmax` classifier's classes, whose meaning carries none (the artifact's, or
    /// `BERTH_CLASS_LABELS`): `predicted_label` and `labels` answer them instead of 0, 1, ….
    public let classLabels: ClassLabels?

    /// Parses the variable's value: comma-separated keys, spaces ignored, any letter case.
    public init(parsing text: String, meaning: PredictionMeaning, classLabels: ClassLabels? = nil) throws(OutputSelectionError) {
        let valid = SelectableOutput.valid(for: meaning)
        var keys = [SelectableOutput]()
        for name in text.split(separator: ",") {
            let normalized = name.filter { $0 != " " }.lowercased()
            guard let key = SelectableOutput(rawValue: normalized), valid.contains(key) else {
                throw OutputSelectionError(key: String(name.trimmingWhitespace()), valid: valid)
            }
            keys.append(key)
        }
        guard !keys.isEmpty else { throw OutputSelectionError(key: text, valid: valid) }
        self.keys = keys
        self.meaning = meaning
        self.classLabels = classLabels.flatMap { $0.count == meaning.classCount ? $0 : nil }
    }

    /// The keys in the fixed order the official container writes JSON objects in, whatever the variable's order.
    public var jsonKeys: [SelectableOutput] {
        SelectableOutput.allCases.filter { keys.contains($0) }
    }

    /// The value of `key` for one row of predictions (one number, or one per class for `multi:softprob`), in
    /// double precision: float32 answers widened exactly, or a double-precision model's own answers.
    public func value(_ key: SelectableOutput, row: ArraySlice<Double>) -> SelectedValue {
        let first = row[row.startIndex]
        switch (key, meaning) {
        case (.predictedScore, _):
            return row.count == 1 ? .number(first) : .numbers(Array(row))
        case (.labels, .classProbabilities(.integers(let labels))):
            return .integers(labels)
        case (.labels, .classProbabilities(.strings(let labels))):
            return .strings(labels)
        case (.labels, _) where classLabels != nil:
            switch classLabels! {
            case .integers(let labels): return .integers(labels)
            case .strings(let labels): return .strings(labels)
            }
        case (.labels, .classIndex(let classCount)):
            return .integers(Array(0..<classCount))
        case (.labels, _):
            return .integers([0, 1])
        case (.predictedLabel, .binaryProbability):
            return label(row[row.startIndex] > 0.5 ? 1 : 0)
        case (.predictedLabel, .binaryMargin):
            return label(row[row.startIndex] > 0 ? 1 : 0)
        case (.predictedLabel, .binaryLabel), (.predictedLabel, .classIndex):
            guard let labels = classLabels, let index = Int(exactly: first), index >= 0, index < labels.count else { return .number(first) }
            return label(index)
        case (.predictedLabel, .classProbabilities(.integers(let labels))):
            return .integer(labels[Self.argmax(row)])
        case (.predictedLabel, .classProbabilities(.strings(let labels))):
            let index = Self.argmax(row)
            return .string(labels[index], classIndex: index)
        case (.probability, .classProbabilities), (.rawScore, .classProbabilities):
            return .number(row.max() ?? .nan)
        case (.probabilities, .classProbabilities), (.rawScores, .classProbabilities):
            return .numbers(Array(row))
        case (.probabilities, _), (.rawScores, _):
            // The official container's `[1.0 - p, p]`, in double arithmetic on the (widened) output.
            return .numbers([1 - first, first])
        case (.predictedLabel, _), (.probability, _), (.rawScore, _):
            return .number(first)
        }
    }

    /// Class `index`'s label: its name in `classLabels`, or the index itself.
    private func label(_ index: Int) -> SelectedValue {
        switch classLabels {
        case .integers(let labels)?: .integer(labels[index])
        case .strings(let labels)?: .string(labels[index], classIndex: index)
        case nil: .integer(index)
        }
    }

    /// The index of the first largest value, as numpy's `argmax`.
    static func argmax(_ row: ArraySlice<Double>) -> Int {
        var best = row.startIndex
        for index in row.indices where row[index] > row[best] { best = index }
        return best - row.startIndex
    }
}

/// A `SAGEMAKER_INFERENCE_OUTPUT` key the model does not offer.
public struct OutputSelectionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let valid: [SelectableOutput]

    public var description: String {
        """
        SAGEMAKER_INFERENCE_OUTPUT names '\(key)', which this model does not offer: its objective offers \
        \(valid.map(\.rawValue).joined(separator: ", "))
        """
    }
}
