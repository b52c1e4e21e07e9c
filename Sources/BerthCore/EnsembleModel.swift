/// Several models served as one, the way SageMaker's XGBoost container serves k-fold artifacts
/// (`xgboost-model-0 … -k` with `SAGEMAKER_INFERENCE_ENSEMBLE=true`): outputs are averaged, except for
/// objectives whose output is a class (`multi:softmax`, `binary:hinge`), where the most frequent answer wins
/// (ties go to the smallest value, as `scipy.stats.mode` decides).
public struct EnsembleModel: CompiledModel {
    public enum Combination: Sendable, Equatable {
        case mean
        case mode
    }

    public let members: [any CompiledModel]
    public let combination: Combination

    public var featureCount: Int { members[0].featureCount }
    public var outputCount: Int { members[0].outputCount }
    public var residentBytes: Int { members.reduce(0) { $0 + $1.residentBytes } }
    public var gainsFromJoinedCalls: Bool { members.contains { $0.gainsFromJoinedCalls } }
    /// Each member's choice that it made, by member.
    public var kernelChoice: String? {
        let choices = members.enumerated().compactMap { index, member in member.kernelChoice.map { "member \(index): \($0)" } }
        return choices.isEmpty ? nil : choices.joined(separator: "; ")
    }
    public var placement: Placement { members[0].placement }
    /// Doubles when any member compares in double precision.
    public var featurePrecision: FeaturePrecision {
        members.contains { $0.featurePrecision == .float64 } ? .float64 : .float32
    }
    /// Doubles when every member answers them (the combination is then taken in double).
    public var outputPrecision: FeaturePrecision {
        members.allSatisfy { $0.outputPrecision == .float64 } ? .float64 : .float32
    }

    /// Fails unless every member takes the same features and gives the same number of outputs.
    public init(members: [any CompiledModel], combination: Combination) throws(ModelValidationError) {
        guard let first = members.first else { throw ModelValidationError("an ensemble needs at least one model") }
        for member in members.dropFirst()
        where member.featureCount != first.featureCount || member.outputCount != first.outputCount {
            throw ModelValidationError(
                "the models cannot be served as one ensemble: one takes \(first.featureCount) features and gives \(first.outputCount) outputs, another \(member.featureCount) and \(member.outputCount)")
        }
        self.members = members
        self.combination = combination
    }

    /// An ensemble explains nothing: its members' answers are combined after each one's output transform (a mean of
    /// probabilities, or a vote), which no member's contributions, leaves or margins add up to.
    public func explain(_ batch: FeatureBatch, as kind: ExplanationKind) throws(ExplanationRefusal) -> Explanations {
        throw ExplanationRefusal("""
            it is an ensemble of \(members.count) models (SAGEMAKER_INFERENCE_ENSEMBLE), whose answers are combined after each \
            model's output transform, which no model's explanation adds up to; to explain one of them, serve it alone \
            (SAGEMAKER_INFERENCE_ENSEMBLE=false serves the first model file)
            """)
    }

    public func predict(_ batch: FeatureBatch) -> Predictions {
        let answers = members.map { $0.predict(batch) }
        guard answers.count > 1 else { return answers[0] }
        var combined = answers.allSatisfy({ $0.doubles != nil }) ? combinedInDoublePrecision(answers) : combinedInSinglePrecision(answers)
        combined.refusals = Self.refusals(of: answers)
        return combined
    }

    /// Each row any member refuses, once (the first member's reason), in row order.
    private static func refusals(of answers: [Predictions]) -> [RowRefusal] {
        var byRow = [Int: RowRefusal]()
        for answer in answers {
            for refusal in answer.refusals where byRow[refusal.row] == nil { byRow[refusal.row] = refusal }
        }
        return byRow.values.sorted { $0.row < $1.row }
    }

    /// The members' float answers combined.
    private func combinedInSinglePrecision(_ answers: [Predictions]) -> Predictions {
        var combined = answers[0]
        combined.doubles = nil
        switch combination {
        case .mean:
            for index in combined.values.indices {
                var total: Float = 0
                for answer in answers { total += answer.values[index] }
                combined.values[index] = total / Float(answers.count)
            }
        case .mode:
            for index in combined.values.indices {
                var counts = [Float: Int]()
                for answer in answers { counts[answer.values[index], default: 0] += 1 }
                combined.values[index] = counts.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }!.key
            }
        }
        return combined
    }

    /// The same combination over the members' double answers.
    private func combinedInDoublePrecision(_ answers: [Predictions]) -> Predictions {
        let memberValues = answers.map { $0.doubles! }
        var combined = memberValues[0]
        for index in combined.indices {
            switch combination {
            case .mean:
                var total = 0.0
                for values in memberValues { total += values[index] }
                combined[index] = total / Double(answers.count)
            case .mode:
                var counts = [Double: Int]()
                for values in memberValues { counts[values[index], default: 0] += 1 }
                combined[index] = counts.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }!.key
            }
        }
        return Predictions(rowCount: answers[0].rowCount, columnCount: answers[0].columnCount, doubles: combined)
    }
}
