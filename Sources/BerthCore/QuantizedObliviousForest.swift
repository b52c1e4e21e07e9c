import CBerthKernels

/// An `ObliviousForest` laid out for `berth_oblivious_margins`: each feature's borders sorted and numbered, and every
/// split turned into "the feature's code is above k", so a block of rows is quantized once and each split is then a
/// comparison of small integers across the block (CBerthKernels/berth_oblivious.c).
///
/// The arrays are allocated once and owned here; `withForest` lends the C view of them.
final class QuantizedObliviousForest: @unchecked Sendable {
    /// The features the splits use — only they are quantized, however wide the rows — and the rows' width.
    let featureCount: Int
    let rowWidth: Int
    let outputCount: Int
    let treeCount: Int
    /// Distinct borders the splits use, over all features: a row's quantization costs one comparison each.
    let borderCount: Int
    /// Each quantized feature's column in a row.
    private let columns: UnsafeMutableBufferPointer<Int32>
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
        let width = forest.kernelFeatureCount
        var bordersOfColumn = [Int32: [Float]](), missingAbove = [Int32: Bool]()
        var leafCount = 0
        for (index, tree) in forest.trees.enumerated() {
            guard tree.splits.count <= ObliviousTree.maxDepth else {
                throw ModelValidationError("tree \(index) has \(tree.splits.count) levels; CatBoost allows \(ObliviousTree.maxDepth)")
            }
            guard tree.leafValues.count == (1 << tree.splits.count) * forest.outputCount else {
                throw ModelValidationError("tree \(index) has \(tree.leafValues.count) leaf values for \(tree.splits.count) levels and \(forest.outputCount) outputs")
            }
            for split in tree.splits {
                guard split.feature >= 0, Int(split.feature) < width, !split.border.isNaN else {
                    throw ModelValidationError("tree \(index) splits on feature \(split.feature) of \(width), or on a NaN border")
                }
                let feature = split.feature
                if let above = missingAbove[feature], above != split.missingHolds {
                    throw ModelValidationError("the splits on feature \(feature) disagree on where a missing value goes (tree \(index)); CatBoost sets it per feature")
                }
                missingAbove[feature] = split.missingHolds
                bordersOfColumn[feature, default: []].append(split.border)
            }
            leafCount += tree.leafValues.count
        }
        let usedColumns = bordersOfColumn.keys.sorted()
        var compact = [Int32: Int32]()
        for (index, column) in usedColumns.enumerated() {
            compact[column] = Int32(index)
            // Sorted and distinct by value (0 and -0 are one border: they compare equal).
            var distinct = [Float]()
            for border in bordersOfColumn[column]!.sorted() where distinct.last != border { distinct.append(border) }
            guard distinct.count <= Self.maxBordersPerFeature else {
                throw ModelValidationError("feature \(column) has \(distinct.count) borders; Berth's CatBoost kernel takes at most \(Self.maxBordersPerFeature)")
            }
            bordersOfColumn[column] = distinct
        }
        let features = usedColumns.count
        featureCount = features
        rowWidth = width
        outputCount = forest.outputCount
        treeCount = forest.trees.count
        borderCount = bordersOfColumn.values.reduce(0) { $0 + $1.count }
        let splitCount = forest.trees.reduce(0) { $0 + $1.splits.count }
        columns = .allocate(capacity: max(1, features))
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
        for (feature, column) in usedColumns.enumerated() {
            columns[feature] = column
            borderStarts[feature] = next
            for border in bordersOfColumn[column]! { borders[next] = border; next += 1 }
            missingAboveAll[feature] = missingAbove[column] == true ? 1 : 0
        }
        borderStarts[features] = next
        var split = 0, leaf = 0
        for (index, tree) in forest.trees.enumerated() {
            splitStarts[index] = split
            for rule in tree.splits {
                splitFeatures[split] = compact[rule.feature]!
                // The border's number among the feature's: `value > border` holds exactly when the value exceeds
                // this border and every one below it, that is, when the row's code is above this number.
                splitCodes[split] = UInt16(Self.position(of: rule.border, in: bordersOfColumn[rule.feature]!))
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
        columns.deallocate()
        missingAboveAll.deallocate()
        splitFeatures.deallocate()
        splitCodes.deallocate()
        leafValues.deallocate()
    }

    var residentBytes: Int {
        borders.count * 4 + columns.count * 4 + splitFeatures.count * 6 + leafValues.count * 8 + (borderStarts.count + splitStarts.count + leafStarts.count) * 8
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
            featureCount: featureCount, rowWidth: rowWidth, columns: UnsafePointer(columns.baseAddress),
            outputCount: outputCount, treeCount: treeCount,
            borderStarts: UnsafePointer(borderStarts.baseAddress), borders: UnsafePointer(borders.baseAddress),
            missingAboveAll: UnsafePointer(missingAboveAll.baseAddress), splitStarts: UnsafePointer(splitStarts.baseAddress),
            splitFeatures: UnsafePointer(splitFeatures.baseAddress), splitCodes: UnsafePointer(splitCodes.baseAddress),
            leafStarts: UnsafePointer(leafStarts.baseAddress), leafValues: UnsafePointer(leafValues.baseAddress), leavesPaddedTo64: leavesPaddedTo64 ? 1 : 0)
        return withUnsafePointer(to: forest) { body($0) }
    }
}
