/// One tree of a `DoubleForest`, in LightGBM's own layout: split nodes and leaves numbered apart.
///
/// Split `0` is the root. A child index `c ≥ 0` is split `c`; a negative one is leaf `~c`. A tree of one leaf has
/// no splits. Format readers fill it; the CPU backend validates it (indices in range, no cycles, every leaf
/// reached once) before repacking it.
public struct DoubleTree: Sendable, Equatable {
    public var splitFeatures: [Int32]
    /// `value <= threshold` goes left, for numerical splits.
    public var thresholds: [Double]
    public var leftChildren: [Int32]
    public var rightChildren: [Int32]
    public var rules: [DoubleSplitRule]
    /// For each categorical split (by split index), the bitset of the category codes that go **left**: code `c`
    /// is bit `c % 32` of word `c / 32`. A code past the bitset, a negative value or NaN goes right.
    public var categoryBitsets: [Int: [UInt32]]
    public var leafValues: [Double]
    /// Linear trees (`linear_tree`): one model per leaf, used instead of the leaf value unless a feature it
    /// reads is missing. Nil for ordinary trees.
    public var linearLeaves: [LinearLeaf]?
    /// How many training rows reached each split and each leaf (LightGBM's `internal_count` and `leaf_count`): the
    /// covers TreeSHAP weighs branches by. Nil when the file records none.
    public var counts: NodeCounts?

    public init(splitFeatures: [Int32], thresholds: [Double], leftChildren: [Int32], rightChildren: [Int32],
                rules: [DoubleSplitRule], categoryBitsets: [Int: [UInt32]] = [:], leafValues: [Double],
                linearLeaves: [LinearLeaf]? = nil, counts: NodeCounts? = nil) {
        self.splitFeatures = splitFeatures
        self.thresholds = thresholds
        self.leftChildren = leftChildren
        self.rightChildren = rightChildren
        self.rules = rules
        self.categoryBitsets = categoryBitsets
        self.leafValues = leafValues
        self.linearLeaves = linearLeaves
        self.counts = counts
    }

    public var splitCount: Int { splitFeatures.count }

    /// The training rows that reached each split and each leaf, by index.
    public struct NodeCounts: Sendable, Equatable {
        public var splits: [Double]
        public var leaves: [Double]

        public init(splits: [Double], leaves: [Double]) {
            self.splits = splits
            self.leaves = leaves
        }
    }

    /// A leaf's linear model: `constant + Σ coefficients[i] · value[features[i]]`, summed in that order.
    public struct LinearLeaf: Sendable, Equatable {
        public var constant: Double
        public var features: [Int32]
        public var coefficients: [Double]

        public init(constant: Double, features: [Int32], coefficients: [Double]) {
            self.constant = constant
            self.features = features
            self.coefficients = coefficients
        }
    }
}

/// How one split of a `DoubleTree` decides: numerical or categorical, and where a missing value goes.
public struct DoubleSplitRule: Sendable, Equatable {
    /// Which values a numerical split treats as missing (LightGBM's `missing_type`).
    public enum Missing: UInt8, Sendable, Equatable {
        /// None: NaN is read as 0 and compared.
        case none = 0
        /// Zero: 0 (and NaN, read as 0) goes the default way.
        case zero = 1
        /// NaN: NaN goes the default way.
        case nan = 2
    }

    public var isCategorical: Bool
    public var missing: Missing
    /// Where a missing value goes: left when true.
    public var defaultLeft: Bool

    public init(isCategorical: Bool, missing: Missing, defaultLeft: Bool) {
        self.isCategorical = isCategorical
        self.missing = missing
        self.defaultLeft = defaultLeft
    }
}
