/// Rows whose values sit just either side of a tree model's own thresholds, from a fixed-seed generator, so walks
/// go as deep and branch as variously as on real data: what the tree kernel times its walks on at load
/// (`TreeWalkChoice`) and what `GPUCrossover` times both devices on, for forests of every kind.
public struct SyntheticRows: Sendable {
    /// Per feature, the thresholds of the numerical splits on it.
    public let thresholds: [[Double]]
    public let featureCount: Int
    /// Whether batches carry the values as doubles too, for a model that compares in double precision.
    public let precision: FeaturePrecision

    public init(thresholds: [[Double]], precision: FeaturePrecision) {
        self.thresholds = thresholds
        self.featureCount = thresholds.count
        self.precision = precision
    }

    /// The most nodes a forest's thresholds are taken from: every node of a smaller forest, as many drawn at random
    /// (a fixed seed) from a larger. Rows near a few thousand thresholds from across the forest walk it as variously
    /// as rows near all of them, and gathering every threshold of the reference model's 96,000 nodes took about 0.6 ms
    /// of a cold start (0.15 ms drawn; docs/performance.md#where-a-cold-start-goes). Drawn, not evenly spaced: a forest
    /// of trees of one size would put every spaced pick on the same kind of node, leaves perhaps.
    static let sampledNodes = 4096

    /// The indices of the nodes, of `count`, the thresholds are taken from.
    static func sampled(_ count: Int) -> [Int] {
        guard count > sampledNodes else { return Array(0..<count) }
        var state: UInt64 = 0x2545_f491_4f6c_dd1d
        return (0..<sampledNodes).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(count))
        }
    }

    /// Around an XGBoost or ONNX forest's float32 thresholds. A node no walk reaches (a model file may carry them)
    /// was never checked against the features, so its feature is only used when the rows have it.
    public init(forest: PackedForest, featureCount: Int) {
        var thresholds = [[Double]](repeating: [], count: featureCount)
        for index in Self.sampled(forest.nodes.count) {
            let node = forest.nodes[index]
            guard node.featureAndFlags & (PackedForest.leafFlag | PackedForest.categoricalFlag) == 0 else { continue }
            let feature = Int(node.featureAndFlags & PackedForest.featureMask)
            if feature < featureCount { thresholds[feature].append(Double(node.value)) }
        }
        self.init(thresholds: thresholds, precision: .float32)
    }

    /// Around a LightGBM forest's double thresholds, with the doubles in every batch.
    public init(forest: PackedDoubleForest, featureCount: Int) {
        var thresholds = [[Double]](repeating: [], count: featureCount)
        for index in Self.sampled(forest.splits.count) {
            let split = forest.splits[index]
            guard split.flags & PackedDoubleForest.categoricalFlag == 0 && Int(split.feature) < featureCount else { continue }
            thresholds[Int(split.feature)].append(split.threshold)
        }
        self.init(thresholds: thresholds, precision: .float64)
    }

    /// Around a CatBoost forest's float32 borders (its one-hot tests, past the request's columns, have none; their
    /// columns get values no category hashes to, as most requests' would).
    public init(forest: ObliviousForest) {
        var thresholds = [[Double]](repeating: [], count: forest.featureCount)
        for tree in forest.trees {
            for split in tree.splits where Int(split.feature) < forest.featureCount {
                thresholds[Int(split.feature)].append(Double(split.border))
            }
        }
        self.init(thresholds: thresholds, precision: forest.oneHotTests.isEmpty ? .float32 : .float64)
    }

    public func batch(rowCount: Int) -> FeatureBatch {
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var values = [Double](repeating: 0, count: rowCount * featureCount)
        for row in 0..<rowCount {
            for feature in 0..<featureCount {
                let candidates = thresholds[feature]
                guard !candidates.isEmpty else { continue }
                let threshold = candidates[Int(next() % UInt64(candidates.count))]
                let step = max(abs(threshold) * 1e-3, 1e-3)
                values[row * featureCount + feature] = next() & 1 == 0 ? threshold - step : threshold + step
            }
        }
        return FeatureBatch(rowCount: rowCount, columnCount: featureCount, values: values.map { Float($0) },
                            doubles: precision == .float64 ? values : nil)
    }

    /// `count` values spread over [-1, 1), from a fixed-seed generator.
    public static func uniform(count: Int) -> [Float] {
        var state: UInt64 = 0x2545_f491_4f6c_dd1d
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
    }
}
