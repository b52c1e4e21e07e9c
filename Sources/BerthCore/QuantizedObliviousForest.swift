import CBerthKernels

/// An `ObliviousForest` laid out for `berth_oblivious_margins`: each feature's borders sorted and numbered, and every
/// split turned into "the feature's code is above k", so a block of rows is quantized once and each split is then a
/// comparison of small integers across the block (CBerthKernels/berth_oblivious.c).
///
/// The arrays are allocated once and owned here; `withForest` lends the C view of them.
final class QuantizedObliviousForest: @unchecked Sendable {
    let featureCount: Int
    let outputCount: Int
    let treeCount: Int
    /// Distinct borders the splits use, over all features: a row's quantization costs one comparison each.
    let borderCount: Int
    private let borderStarts: UnsafeMutableBufferPointer<Int>
    private let borders: UnsafeMutableBufferPointer<Float>
    private let missingAboveAll: UnsafeMutableBufferPointer<UInt8>
    private let splitStarts: UnsafeMutableBufferPointer<Int>
    private let splitFeatures: UnsafeMutableBufferPointer<Int32>
    private let splitCodes: UnsafeMutableBufferPointer<UInt16>
    private let leafStarts: UnsafeMutableBufferPointer<Int>
    private let leafValues: UnsafeMutableBufferPointer<Double>
    /// Single output and no tree deeper than 6 levels: every tree's leaves take 64 slots, for the AVX-512 sums.
    let leavesPaddedTo64: Bool

    /// A feature's code is a 16-bit count of the borders below the value.
    static let maxBordersPerFeature = Int(UInt16.max)

    init(_ forest: ObliviousForest) throws(ModelValidationError) {
        let features = forest.kernelFeatureCount
        var bordersOfFeature = [[Float]](repeating: [], count: features)
        var missingAbove = [Bool?](repeating: nil, count: features)
        var leafCount = 0
        for (index, tree) in forest.trees.enumerated() {
            guard tree.splits.count <= ObliviousTree.maxDepth else {
                throw ModelValidationError("tree \(index) has \(tree.splits.count) levels; CatBoost allows \(ObliviousTree.maxDepth)")
            }
            guard tree.leafValues.count == (1 << tree.splits.count) * forest.outputCount else {
                throw ModelValidationError("tree \(index) has \(tree.leafValues.count) leaf values for \(tree.splits.count) levels and \(forest.outputCount) outputs")
            }
            for split in tree.splits {
                guard split.feature >= 0, Int(split.feature) < features, !split.border.isNaN else {
                    throw ModelValidationError("tree \(index) splits on feature \(split.feature) of \(features), or on a NaN border")
                }
                let feature = Int(split.feature)
                if let above = missingAbove[feature], above != split.missingHolds {
                    throw ModelValidationError("the splits on feature \(feature) disagree on where a missing value goes (tree \(index)); CatBoost sets it per feature")
                }
                missingAbove[feature] = split.missingHolds
                bordersOfFeature[feature].append(split.border)
            }
            leafCount += tree.leafValues.count
        }
        for feature in 0..<features {
            // Sorted and distinct by value (0 and -0 are one border: they compare equal).
            var distinct = [Float]()
            for border in bordersOfFeature[feature].sorted() where distinct.last != border { distinct.append(border) }
            guard distinct.count <= Self.maxBordersPerFeature else {
                throw ModelValidationError("feature \(feature) has \(distinct.count) borders; Berth's CatBoost kernel takes at most \(Self.maxBordersPerFeature)")
            }
            bordersOfFeature[feature] = distinct
        }
        featureCount = features
        outputCount = forest.outputCount
        treeCount = forest.trees.count
        borderCount = bordersOfFeature.reduce(0) { $0 + $1.count }
        let splitCount = forest.trees.reduce(0) { $0 + $1.splits.count }
        borderStarts = .allocate(capacity: features + 1)
        borders = .allocate(capacity: max(1, borderCount))
        missingAboveAll = .allocate(capacity: max(1, features))
        splitStarts = .allocate(capacity: treeCount + 1)
        splitFeatures = .allocate(capacity: max(1, splitCount))
        splitCodes = .allocate(capacity: max(1, splitCount))
        leafStarts = .allocate(capacity: max(1, treeCount))
        leavesPaddedTo64 = forest.outputCount == 1 && forest.trees.allSatisfy { $0.splits.count <= 6 }
        let leafSlots = leavesPaddedTo64 ? treeCount * 64 : leafCount
        leafValues = .allocate(capacity: max(1, leafSlots))
        leafValues.initialize(repeating: 0)
        var next = 0
        for feature in 0..<features {
            borderStarts[feature] = next
            for border in bordersOfFeature[feature] { borders[next] = border; next += 1 }
            missingAboveAll[feature] = missingAbove[feature] == true ? 1 : 0
        }
        borderStarts[features] = next
        var split = 0, leaf = 0
        for (index, tree) in forest.trees.enumerated() {
            splitStarts[index] = split
            for rule in tree.splits {
                let feature = Int(rule.feature)
                splitFeatures[split] = rule.feature
                // The border's number among the feature's: `value > border` holds exactly when the value exceeds
                // this border and every one below it, that is, when the row's code is above this number.
                splitCodes[split] = UInt16(Self.position(of: rule.border, in: bordersOfFeature[feature]))
                split += 1
            }
            leaf = leavesPaddedTo64 ? index * 64 : leaf
            leafStarts[index] = leaf
            for value in tree.leafValues { leafValues[leaf] = value; leaf += 1 }
        }
        splitStarts[treeCount] = split
    }

    deinit {
        for buffer in [borderStarts, splitStarts, leafStarts] as [UnsafeMutableBufferPointer<Int>] { buffer.deallocate() }
        borders.deallocate()
        missingAboveAll.deallocate()
        splitFeatures.deallocate()
        splitCodes.deallocate()
        leafValues.deallocate()
    }

    var residentBytes: Int {
        borders.count * 4 + splitFeatures.count * 6 + leafValues.count * 8 + (borderStarts.count + splitStarts.count + leafStarts.count) * 8
    }

    /// The index of `border` in `sorted` (it is there: the list was made from the splits).
    private static func position(of border: Float, in sorted: [Float]) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < border { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The C view of the arrays, valid inside `body`.
    func withForest<Result>(_ body: (UnsafePointer<berth_oblivious_forest>) -> Result) -> Result {
        let forest = berth_oblivious_forest(
            featureCount: featureCount, outputCount: outputCount, treeCount: treeCount,
            borderStarts: UnsafePointer(borderStarts.baseAddress), borders: UnsafePointer(borders.baseAddress),
            missingAboveAll: UnsafePointer(missingAboveAll.baseAddress), splitStarts: UnsafePointer(splitStarts.baseAddress),
            splitFeatures: UnsafePointer(splitFeatures.baseAddress), splitCodes: UnsafePointer(splitCodes.baseAddress),
            leafStarts: UnsafePointer(leafStarts.baseAddress), leafValues: UnsafePointer(leafValues.baseAddress), leavesPaddedTo64: leavesPaddedTo64 ? 1 : 0)
        return withUnsafePointer(to: forest) { body($0) }
    }
}
