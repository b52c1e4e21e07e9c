/// A forest of oblivious trees — every node of a level asks the same question — as CatBoost builds them.
///
/// CatBoost reads float features as float32 and compares `value > border` in float32; a tree's answer is the leaf
/// whose index has bit `i` set when split `i` holds, and leaves hold one double per output. Prediction for a row:
/// `margin[k] = scale · Σ_t leaf_t[k] + biases[k]`, the trees summed in file order in double, then `transform`
/// (docs/model-formats.md §8).
public struct ObliviousForest: Sendable, Equatable {
    public var featureCount: Int
    /// Values per leaf: classes for multi-class models, one otherwise.
    public var outputCount: Int
    public var trees: [ObliviousTree]
    public var scale: Double
    public var biases: [Double]
    public var transform: DoubleOutputTransform

    public init(featureCount: Int, outputCount: Int, trees: [ObliviousTree], scale: Double, biases: [Double],
                transform: DoubleOutputTransform) {
        self.featureCount = featureCount
        self.outputCount = outputCount
        self.trees = trees
        self.scale = scale
        self.biases = biases
        self.transform = transform
    }
}

/// One oblivious tree: its splits from the first (bit 0 of the leaf index) to the last, and
/// `2^splits.count × outputCount` leaf values, leaf by leaf.
public struct ObliviousTree: Sendable, Equatable {
    /// CatBoost allows trees of at most 16 levels; readers check it before allocating by a tree's depth.
    public static let maxDepth = 16

    public var splits: [Split]
    public var leafValues: [Double]

    public init(splits: [Split], leafValues: [Double]) {
        self.splits = splits
        self.leafValues = leafValues
    }

    /// `value > border` (float32) sets the split's bit; a missing value sets it when `missingHolds`.
    public struct Split: Sendable, Equatable {
        public var feature: Int32
        public var border: Float
        public var missingHolds: Bool

        public init(feature: Int32, border: Float, missingHolds: Bool) {
            self.feature = feature
            self.border = border
            self.missingHolds = missingHolds
        }
    }
}
