import BerthCore

/// How Triton's FIL backend answers with a tree model's scores, given its configuration — what a Triton FIL client
/// reads back from Berth (docs/open-inference.md, following fil_backend's `src/tl_model.h` and its model
/// configuration guide):
///
/// - not a classifier: the model's output, its objective's transform applied (a `binary:logistic` model answers
///   probabilities, as FIL does; there is no margin output);
/// - a classifier without `predict_proba`: the class, as a float — 1 where the probability is strictly greater than
///   `threshold` (binary), the first most probable class (multi-class);
/// - a classifier with `predict_proba`: `[1 - p, p]` per row for a binary model whose output dims are `[2]` (just `p`
///   for dims `[1]`), each class's probability for a multi-class model.
///
/// FIL computes in float32 and approximates where Berth does not: the numbers are xgboost's, not FIL's.
public struct FILAnswer: Sendable {
    public let config: TritonModelConfig

    public init(config: TritonModelConfig) {
        self.config = config
    }

    /// Values a row of the answer holds for a model of `meaning`.
    public func width(meaning: PredictionMeaning) -> Int {
        let classes: Int
        switch meaning {
        case .classProbabilities(let labels): classes = labels.count
        case .classIndex(let count): classes = count
        default: classes = 1
        }
        return width(classCount: classes)
    }

    func width(classCount: Int) -> Int {
        guard config.isClassifier else { return classCount == 1 ? 1 : classCount }
        guard config.predictProba else { return 1 }
        return classCount == 1 ? (config.outputDims == [1] ? 1 : 2) : classCount
    }

    /// Refuses what FIL would answer with numbers Berth's model does not compute: probabilities of a `multi:softmax`
    /// model, whose xgboost output is the class alone.
    public func check(meaning: PredictionMeaning) throws(TritonConfigError) {
        if case .classIndex = meaning, config.predictProba {
            throw TritonConfigError("""
                \(config.name)/config.pbtxt: predict_proba asks for class probabilities, but the model's objective is \
                multi:softmax, whose output is the class: save the model with multi:softprob, or set predict_proba to "false"
                """)
        }
    }

    /// The answer's shape: the batch, then the output's dims without those of size 1 (FIL squeezes them).
    public func shape(rows: Int) -> [Int] {
        [rows] + config.outputDims.filter { $0 != 1 }
    }

    /// FIL's answer from the model's scores.
    public func answer(_ scores: Predictions, meaning: PredictionMeaning) -> Predictions {
        let rows = scores.rowCount, columns = scores.columnCount
        guard config.isClassifier else { return scores }
        if case .classIndex = meaning { return scores }
        if columns == 1 {
            if config.predictProba {
                guard width(classCount: 1) == 2 else { return scores }
                var values = [Float]()
                values.reserveCapacity(rows * 2)
                for p in scores.values { values.append(1 - p); values.append(p) }
                return Predictions(rowCount: rows, columnCount: 2, values: values)
            }
            return Predictions(rowCount: rows, columnCount: 1, values: scores.values.map { $0 > config.threshold ? 1 : 0 })
        }
        if config.predictProba { return scores }
        var classes = [Float]()
        classes.reserveCapacity(rows)
        for row in 0..<rows {
            let values = scores.values[row * columns..<(row + 1) * columns]
            var best = values.startIndex
            for index in values.indices where values[index] > values[best] { best = index }
            classes.append(Float(best - values.startIndex))
        }
        return Predictions(rowCount: rows, columnCount: 1, values: classes)
    }
}
