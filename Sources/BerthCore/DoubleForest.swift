/// A forest that compares and sums in double precision with LightGBM's split rules: what LightGBM models become.
///
/// `TreeEnsemble` keeps XGBoost's semantics (float32 thresholds and sums); LightGBM compares each request value as
/// a double with a double threshold, sums the leaves as doubles, routes a missing value by each split's missing
/// type, and sends the categories in a split's bitset left. Keeping the two apart keeps each kernel exact to its
/// library (docs/model-formats.md §4).
///
/// Prediction for a row: values within ±`zeroThreshold` of zero become 0 (LightGBM drops them when it reads a row); for each group `g`, `margin[g] = Σ leaf_t(row)` over the trees `t` with `t % groupCount == g`, in
/// file order, from 0; divided by the number of iterations when `averagesIterations`; then `transform`.
public struct DoubleForest: Sendable, Equatable {
    /// LightGBM's `kZeroThreshold`: the float32 `1e-35f` as a double. Smaller magnitudes count as zero.
    public static let lightGBMZeroThreshold = Double(Float(1e-35))

    public var featureCount: Int
    /// Trees per iteration: one per class for multi-class models, one otherwise.
    public var groupCount: Int
    /// In file order; tree `t` adds to group `t % groupCount`.
    public var trees: [DoubleTree]
    /// Random-forest mode (LightGBM's `average_output`): the sums are divided by the number of iterations.
    public var averagesIterations: Bool
    public var transform: DoubleOutputTransform
    /// Request values no further from zero than this are read as 0: LightGBM's rule; 0 for forests from other
    /// libraries (CatBoost's non-symmetric trees), which read every value as it is.
    public var zeroThreshold: Double
    /// Which trees `explain=leaves` lists, as the model's library lists them.
    public var leafListing: LeafListing

    /// The trees whose leaves `explain=leaves` lists for a row.
    public enum LeafListing: Sendable, Equatable {
        /// Every tree, in order: LightGBM's `pred_leaf`.
        case everyTree
        /// The first `treeCount × groupCount` trees come from `treeCount` trees each holding every output in its
        /// leaves, split into one tree per output; the trees after them add biases. One leaf per source tree is
        /// listed: CatBoost's non-symmetric trees (`calc_leaf_indexes`).
        case sharedByGroups(treeCount: Int)
    }

    public init(featureCount: Int, groupCount: Int, trees: [DoubleTree], averagesIterations: Bool,
                transform: DoubleOutputTransform, zeroThreshold: Double = DoubleForest.lightGBMZeroThreshold,
                leafListing: LeafListing = .everyTree) {
        self.featureCount = featureCount
        self.groupCount = groupCount
        self.trees = trees
        self.averagesIterations = averagesIterations
        self.transform = transform
        self.zeroThreshold = zeroThreshold
        self.leafListing = leafListing
        if case .sharedByGroups(let treeCount) = leafListing {
            precondition(treeCount >= 0 && treeCount * groupCount <= trees.count, "the listed trees are the forest's")
        }
    }

    /// The trees whose leaves `explain=leaves` lists, in order.
    public var listedLeafTrees: [Int] {
        switch leafListing {
        case .everyTree: Array(trees.indices)
        case .sharedByGroups(let treeCount): (0..<treeCount).map { $0 * groupCount }
        }
    }

    /// A request value as the forest reads it: 0 within ±`zeroThreshold` of zero, itself otherwise.
    @inline(__always)
    public func read(_ value: Double) -> Double {
        abs(value) <= zeroThreshold ? 0 : value
    }

    /// The number of outputs a row yields.
    public var outputCount: Int { groupCount }
}
