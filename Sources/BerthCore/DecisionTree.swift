/// One regression tree of the model IR, as parallel arrays indexed by node (XGBoost's own layout).
///
/// Format readers fill it; the CPU backend validates it (indices in range, no cycles) and repacks it for speed.
/// A node is a leaf when `leftChildren[node] == -1`; a leaf's value lives in `values[node]`, a split's
/// threshold too (XGBoost keeps both in one union). Missing values follow `defaultLeft`. For a categorical split
/// `categories[node]` lists the category codes that go **right**; every other code goes left.
public struct DecisionTree: Sendable, Equatable {
    public var leftChildren: [Int32]
    public var rightChildren: [Int32]
    public var splitFeatures: [Int32]
    public var values: [Float]
    public var defaultLeft: [Bool]
    /// Category codes that go right, for categorical splits only.
    public var categories: [Int: [Int32]]
    /// Each node's cover — the sum of the training rows' hessians that reached it (XGBoost's `sum_hess`) — which
    /// TreeSHAP weighs the branches by; nil when the file records none.
    public var covers: [Float]?

    public init(leftChildren: [Int32], rightChildren: [Int32], splitFeatures: [Int32], values: [Float],
                defaultLeft: [Bool], categories: [Int: [Int32]] = [:], covers: [Float]? = nil) {
        self.leftChildren = leftChildren
        self.rightChildren = rightChildren
        self.splitFeatures = splitFeatures
        self.values = values
        self.defaultLeft = defaultLeft
        self.categories = categories
        self.covers = covers
    }

    public var nodeCount: Int { leftChildren.count }

    /// A tree that is one leaf.
    public static func leaf(_ value: Float) -> DecisionTree {
        DecisionTree(leftChildren: [-1], rightChildren: [-1], splitFeatures: [0], values: [value], defaultLeft: [false])
    }
}
