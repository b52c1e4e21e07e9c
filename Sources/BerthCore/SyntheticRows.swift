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

    /// Around an XGBoost or ONNX forest's float32 thresholds. A node no walk reaches (a model file may carry them)
    /// was never checked against the features, so its feature is only used when the rows have it.
    public init(forest: PackedForest, featureCount: Int) {
        var thresholds = [[Double]](repeating: [], count: featureCount)
        for node in forest.nodes where node.featureAndFlags & (PackedForest.leafFlag | PackedForest.categoricalFlag) == 0 {
            let feature = Int(node.featureAndFlags & PackedForest.featureMask)
            if feature < featureCount { thresholds[feature].append(Double(node.value)) }
        }
        self.init(thresholds: thresholds, precision: .float32)
    }

    /// Around a LightGBM forest's double thresholds, with the doubles in every batch.
    public init(forest: PackedDoubleForest, featureCount: Int) {
        var thresholds = [[Double]](repeating: [], count: featureCount)
        for split in forest.splits where split.flags & PackedDoubleForest.categoricalFlag == 0 && Int(split.feature) < featureCount {
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
