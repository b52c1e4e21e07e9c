/// A forest of oblivious trees — every node of a level asks the same question — as CatBoost builds them.
///
/// CatBoost reads float features as float32 and compares `value > border` in float32; a tree's answer is the leaf
/// whose index has bit `i` set when split `i` holds, and leaves hold one double per output. Prediction for a row:
/// `margin[k] = scale · Σ_t leaf_t[k] + biases[k]`, the trees summed in file order in double, then `transform`
/// (docs/model-formats.md §8).
///
/// One-hot categorical splits ask whether a categorical column holds one category: each (column, category) pair a
/// split asks about is a `OneHotTest`, and the splits cite it as feature `featureCount + index` with border 0.5, its
/// value 1 when the row's category is that one and 0 otherwise (`expandedRows`), so the kernels compare floats only.
public struct ObliviousForest: Sendable, Equatable {
    public var featureCount: Int
    /// Values per leaf: classes for multi-class models, one otherwise.
    public var outputCount: Int
    public var trees: [ObliviousTree]
    public var scale: Double
    public var biases: [Double]
    public var transform: DoubleOutputTransform
    /// The one-hot tests the splits cite past the request's columns; empty for models without categorical features.
    public var oneHotTests: [OneHotTest]

    public init(featureCount: Int, outputCount: Int, trees: [ObliviousTree], scale: Double, biases: [Double],
                transform: DoubleOutputTransform, oneHotTests: [OneHotTest] = []) {
        self.featureCount = featureCount
        self.outputCount = outputCount
        self.trees = trees
        self.scale = scale
        self.biases = biases
        self.transform = transform
        self.oneHotTests = oneHotTests
    }

    /// The columns the kernels read: the request's, then one per one-hot test.
    public var kernelFeatureCount: Int { featureCount + oneHotTests.count }

    /// "Is the category in `column` the one CatBoost hashes to `hash`?" CatBoost reads a category as text — an integer
    /// category as its decimal digits — and keeps the low 32 bits of its CityHash64 (1.0.2); a request's value is a
    /// category when it is a whole number, which is hashed as those digits, or text a request sent, which carries its
    /// hash (`HashedCategory`). Anything else (NaN, a fraction) is no category the model knows, so every test on it
    /// fails, as for a category unseen in training.
    public struct OneHotTest: Sendable, Equatable {
        public var column: Int32
        public var hash: UInt32

        public init(column: Int32, hash: UInt32) {
            self.column = column
            self.hash = hash
        }

        /// The 32-bit CatBoost hash of a request value, or nil when it is no category.
        public static func categoryHash(_ value: Double) -> UInt32? {
            if let hash = HashedCategory.hash(in: value) { return hash }
            guard value.isFinite, value == value.rounded(), abs(value) < 9.2e18 else { return nil }
            return UInt32(truncatingIfNeeded: CityHash64.hash(String(Int64(value))))
        }
    }

    /// `rows` as the kernels read them: their float32 values, each row followed by its one-hot tests' 0 or 1. Without
    /// one-hot tests, the rows' float32 values as they are. A category is read from the request's double (an integer
    /// past 2^24 keeps its digits), each tested column hashed once a row.
    public func expandedRows(_ batch: FeatureBatch) -> [Float] {
        guard !oneHotTests.isEmpty else { return batch.values }
        let width = kernelFeatureCount, columns = featureCount
        let testedColumns = Array(Set(oneHotTests.map(\.column))).sorted()
        let slotOfColumn = Dictionary(uniqueKeysWithValues: testedColumns.enumerated().map { ($1, $0) })
        let slotOfTest = oneHotTests.map { slotOfColumn[$0.column]! }
        var hashes = [UInt32?](repeating: nil, count: testedColumns.count)
        var expanded = [Float](repeating: 0, count: batch.rowCount * width)
        expanded.withUnsafeMutableBufferPointer { output in
            batch.values.withUnsafeBufferPointer { values in
                for row in 0..<batch.rowCount {
                    let target = output.baseAddress! + row * width
                    target.update(from: values.baseAddress! + row * columns, count: columns)
                    for (slot, column) in testedColumns.enumerated() {
                        let index = row * columns + Int(column)
                        hashes[slot] = OneHotTest.categoryHash(batch.doubles?[index] ?? Double(values[index]))
                    }
                    for (index, test) in oneHotTests.enumerated() where hashes[slotOfTest[index]] == test.hash {
                        target[columns + index] = 1
                    }
                }
            }
        }
        return expanded
    }
}

/// One oblivious tree: its splits from the first (bit 0 of the leaf index) to the last, and
/// `2^splits.count × outputCount` leaf values, leaf by leaf.
public struct ObliviousTree: Sendable, Equatable {
    /// CatBoost allows trees of at most 16 levels; readers check it before allocating by a tree's depth.
    public static let maxDepth = 16

    public var splits: [Split]
    public var leafValues: [Double]
    /// The training weight that reached each leaf (CatBoost's `leaf_weights`), `2^splits.count` of them, which
    /// contributions weigh the branches a row does not take by; empty when the file does not record them.
    public var leafWeights: [Double]

    public init(splits: [Split], leafValues: [Double], leafWeights: [Double] = []) {
        self.splits = splits
        self.leafValues = leafValues
        self.leafWeights = leafWeights
    }

    /// The leaf `row` (its values in the forest's kernel columns, `ObliviousForest.expandedRows`) reaches, numbered
    /// as CatBoost's `calc_leaf_indexes` numbers them: bit `i` set when split `i` holds.
    func leaf(of row: UnsafePointer<Float>) -> Int {
        var leaf = 0
        for (level, split) in splits.enumerated() {
            let value = row[Int(split.feature)]
            if value.isNaN ? split.missingHolds : value > split.border { leaf |= 1 << level }
        }
        return leaf
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
