/// A boosted (or bagged) forest in the model IR: what `gbtree` and `dart` models become.
///
/// Prediction for a row: for each output group `g`, `margin[g] = baseMargins[g] + Σ weights[t] · leaf_t(row)` over
/// the trees `t` with `treeGroups[t] == g`, in file order and in float32; then `transform` turns the margins
/// into outputs. `baseMargins` are already in margin space (the reader applied the objective's link).
public struct TreeEnsemble: Sendable, Equatable {
    public var featureCount: Int
    public var groupCount: Int
    public var trees: [DecisionTree]
    public var treeGroups: [Int]
    /// Per-tree multipliers: DART's `weight_drop`, 1 for plain gbtree.
    public var treeWeights: [Float]
    public var baseMargins: [Float]
    public var transform: OutputTransform
    /// How the trees of a group combine: summed (boosting, bagging), or — for ONNX ensembles, whose leaves may
    /// not vote for every output (a NaN leaf) — the sum, smallest or largest of the votes, NaN when none voted.
    /// `baseMargins` are added after. Votes that give a plain sum's bits are read as `.sum` (`votesAreAPlainSum`).
    public var combination: LeafCombination = .sum

    public enum LeafCombination: Sendable, Equatable { case sum, sumOfVotes, minimum, maximum }

    public init(featureCount: Int, groupCount: Int, trees: [DecisionTree], treeGroups: [Int], treeWeights: [Float]? = nil,
                baseMargins: [Float], transform: OutputTransform) {
        self.featureCount = featureCount
        self.groupCount = groupCount
        self.trees = trees
        self.treeGroups = treeGroups
        self.treeWeights = treeWeights ?? [Float](repeating: 1, count: trees.count)
        self.baseMargins = baseMargins
        self.transform = transform
    }
}
