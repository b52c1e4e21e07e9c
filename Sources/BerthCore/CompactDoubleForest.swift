import CBerthKernels

/// LightGBM's trees in the C walk's 16-byte double-precision nodes (`berth_compact_double_forest.c`), walked eight
/// at once: what the double kernel uses for every tree it can hold.
///
/// Built at load from the `PackedDoubleForest` (which the Swift walker, explanations and the GPU keep reading), tree
/// by tree: each renumbered breadth first with a node's children side by side, LightGBM's missing-value rules taken
/// from the packed flags. A tree with a categorical split or linear leaves, or more than 65,536 nodes, or a split
/// on feature 65,536 or above, stays with the Swift walker; `runEnd` tells the kernel where each run of compact
/// trees ends, so every row still adds its trees in file order.
final class CompactDoubleForest: @unchecked Sendable {
    // @unchecked: the buffers are written once, in init, and only read afterwards.
    private let nodes: UnsafeMutableBufferPointer<berth_compact_double_node>
    private let leafValues: UnsafeMutableBufferPointer<Double>
    private let treeStarts: UnsafeMutableBufferPointer<Int32>
    private let depths: UnsafeMutableBufferPointer<Int32>
    /// Per tree: the end of the run of compact trees it starts (itself when it is not compact).
    private let runEnds: [Int]
    /// What the C walks take: pointers into the buffers above (read by the tests, which call the walks directly).
    let forest: berth_compact_double_forest
    /// The walks blocks and single rows take, and why (the model ready line's `tree_walk`): of `compact-rows`,
    /// `compact-trees` and their gather twins where the CPU has AVX-512 or AVX2, measured at load by `TreeWalkChoice`
    /// or fixed by `BERTH_TREE_WALK`.
    let walks: TreeWalkChoice
    /// Rows from which a block may take the gather walk: six of its eight 8-row chains full. At 32 rows it was level
    /// with the eight-at-once walk, at 48 1.5 × (timed in C on an Intel Xeon), so two threads' halves of a 100-row
    /// request take it.
    static let gatherRows = 48
    /// Rows the walks are timed on at load: every chain full.
    static let measuredRows = 64

    /// The compact form of `packed`'s trees that fit, or nil when none does. `walk` (`BERTH_TREE_WALK`) measured
    /// times the gather walks against the plain ones at load, where the CPU has AVX2 or AVX-512, down up to 64 of the
    /// compact trees; one walk, or a pair (blocks, single rows), of `compact-rows`, `compact-trees` and their
    /// `-avx512` and `-avx2` twins (where the CPU has the instructions) is taken as named; any other is not one this
    /// kernel has here, and is measured instead, the ready line saying so.
    init?(_ packed: PackedDoubleForest, featureCount: Int, walk preference: TreeWalkPreference = .measured) {
        // A tree's compact nodes are its splits and leaves: room for every tree's, made once.
        var compact = [berth_compact_double_node]()
        var values = [Double]()
        compact.reserveCapacity(packed.splits.count + packed.leafValues.count)
        values.reserveCapacity(packed.splits.count + packed.leafValues.count)
        var starts = [Int32]()
        var holds = [Bool]()
        for tree in packed.roots.indices {
            let start = compact.count
            let fits = Self.append(tree: tree, of: packed, to: &compact, values: &values)
            if !fits {
                compact.removeSubrange(start...)
                values.removeSubrange(start...)
            }
            starts.append(fits ? Int32(start) : 0)
            holds.append(fits)
        }
        guard holds.contains(true) else { return nil }
        var runEnds = [Int](repeating: 0, count: holds.count)
        var end = holds.count
        for tree in holds.indices.reversed() {
            if !holds[tree] { end = tree }
            runEnds[tree] = holds[tree] ? end : tree
        }
        self.runEnds = runEnds
        nodes = .copying(compact)
        leafValues = .copying(values)
        treeStarts = .copying(starts)
        depths = .copying(packed.depths)
        let forest = berth_compact_double_forest(nodes: nodes.baseAddress, leafValues: leafValues.baseAddress, treeStarts: treeStarts.baseAddress,
                                                 depths: depths.baseAddress, groupCount: packed.groupCount,
                                                 hasMissingZeros: compact.contains { $0.flags & UInt8(BERTH_COMPACT_ZERO_IS_MISSING) != 0 } ? 1 : 0)
        self.forest = forest
        let first = holds.firstIndex(of: true)!
        let trees = first..<min(runEnds[first], first + 64)
        // Rows around the model's thresholds, drawn at the first timing: a fixed walk, a CPU without a choice or a
        // row too wide to time needs none.
        var drawn: [Double]?
        func rows() -> [Double] {
            if let drawn { return drawn }
            let rows = SyntheticRows(forest: packed, featureCount: featureCount).batch(rowCount: Self.measuredRows).wideValues
            drawn = rows
            return rows
        }
        var margins = [Double](repeating: 0, count: Self.measuredRows * Int(packed.groupCount))
        let clock = ContinuousClock()
        walks = TreeWalkChoice.choose(
            preference: preference,
            available: { walk in
                walk.readsCompactNodes && TreeWalk.isAvailable(walk, compact: true, nodeCount: 0)
            },
            featureCount: featureCount, blockTrialRows: Self.measuredRows,
            time: { walk, trial in
                withUnsafePointer(to: forest) { forest in
                    rows().withUnsafeBufferPointer { rows in
                        margins.withUnsafeMutableBufferPointer { margins in
                            let start = clock.now
                            Self.sum(forest, trees: trees, rows: rows.baseAddress!,
                                     rowCount: trial == .block ? Self.measuredRows : TreeWalkChoice.measuredSingleRows,
                                     oneCallARow: trial == .singleRows, featureCount: featureCount,
                                     gathering: walk.compactGatherInstructionSet, margins: margins.baseAddress!)
                            return (clock.now - start).inSeconds
                        }
                    }
                }
            })
    }

    deinit {
        nodes.deallocate()
        leafValues.deallocate()
        treeStarts.deallocate()
        depths.deallocate()
    }

    var residentBytes: Int {
        nodes.count * MemoryLayout<berth_compact_double_node>.stride + leafValues.count * 8 + (treeStarts.count + depths.count) * 4 + runEnds.count * 8
    }

    /// Whether some split treats zero as missing, which takes the C walk's slower step (`hasMissingZeros`).
    var hasMissingZeros: Bool { forest.hasMissingZeros != 0 }

    /// Where the run of compact trees starting at `tree` ends (`tree` itself when the Swift walker takes it).
    func runEnd(from tree: Int) -> Int { runEnds[tree] }

    /// Adds trees `trees` (a run of compact ones) to each row's margins, in tree order, by the walk chosen for a block
    /// of `rowCount` rows (`walks`): a `compact-trees` walk takes one row at a time, down eight trees at once (64 with
    /// gathers, 32 with AVX2's); a `compact-rows` walk the block, eight rows down each tree (with gathers, from
    /// `gatherRows` rows, up to 64, or 32 with AVX2's).
    func addMargins(trees: Range<Int>, rows: UnsafePointer<Double>, rowCount: Int, featureCount: Int, margins: UnsafeMutablePointer<Double>) {
        let walk = walks.walk(rowCount: rowCount)
        withUnsafePointer(to: forest) { forest in
            Self.sum(forest, trees: trees, rows: rows, rowCount: rowCount, oneCallARow: [.compactTrees, .compactTreesAVX512, .compactTreesAVX2].contains(walk),
                     featureCount: featureCount, gathering: walk.compactGatherInstructionSet, margins: margins)
        }
    }

    /// Adds `trees` to the rows' margins one call a row or as one block, with the gather walks of instruction set
    /// `gathering` (2 AVX-512, 1 AVX2; a block from `gatherRows` rows) where it is given, else with the plain ones,
    /// which also take what a gather walk refuses.
    private static func sum(_ forest: UnsafePointer<berth_compact_double_forest>, trees: Range<Int>, rows: UnsafePointer<Double>,
                            rowCount: Int, oneCallARow: Bool, featureCount: Int, gathering: Int32?, margins: UnsafeMutablePointer<Double>) {
        if oneCallARow {
            for row in 0..<rowCount {
                let (input, output) = (rows + row * featureCount, margins + row * Int(forest.pointee.groupCount))
                if gathering.map({ berth_compact_double_sum_row_using($0, forest, trees.lowerBound, trees.upperBound, input, output) }) != 0 {
                    berth_compact_double_sum_row(forest, trees.lowerBound, trees.upperBound, input, output)
                }
            }
        } else if rowCount < gatherRows || gathering.map({
            berth_compact_double_sum_rows_using($0, forest, trees.lowerBound, trees.upperBound, rows, featureCount, rowCount, margins)
        }) != 0 {
            berth_compact_double_sum_rows(forest, trees.lowerBound, trees.upperBound, rows, featureCount, rowCount, margins)
        }
    }

    /// Appends tree `tree` breadth first; false when it does not fit (some of it may have been appended).
    private static func append(tree: Int, of packed: PackedDoubleForest, to nodes: inout [berth_compact_double_node],
                               values: inout [Double]) -> Bool {
        guard !packed.linearTrees[tree] else { return false }
        var queue: [Int32] = [packed.roots[tree]]
        var slot = 0
        while slot < queue.count {
            let child = queue[slot]
            if child < 0 {
                nodes.append(berth_compact_double_node(threshold: .nan, feature: 0, left: UInt16(truncatingIfNeeded: slot - 1), flags: 0))
                values.append(packed.leafValues[Int(~child)])
            } else {
                let split = packed.splits[Int(child)]
                guard split.flags & PackedDoubleForest.categoricalFlag == 0, split.feature >= 0, split.feature < 1 << 16,
                      queue.count + 2 <= Int(BERTH_COMPACT_MAX_TREE_NODES) else { return false }
                var flags: UInt8 = 0
                if split.flags & PackedDoubleForest.nanGoesLeftFlag != 0 { flags |= UInt8(BERTH_COMPACT_NAN_LEFT) }
                if split.flags & PackedDoubleForest.zeroIsMissingFlag != 0 { flags |= UInt8(BERTH_COMPACT_ZERO_IS_MISSING) }
                if split.flags & PackedDoubleForest.defaultLeftFlag != 0 { flags |= UInt8(BERTH_COMPACT_ZERO_LEFT) }
                nodes.append(berth_compact_double_node(threshold: split.threshold, feature: UInt16(split.feature),
                                                       left: UInt16(queue.count), flags: flags))
                values.append(0)
                queue.append(split.left)
                queue.append(split.right)
            }
            slot += 1
        }
        return true
    }
}
