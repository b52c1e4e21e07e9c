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
    /// Whether blocks of `gatherRows` rows or more take the AVX-512 gather walk (`berth_compact_double_sum_rows_using`).
    let gathersBlocks: Bool
    /// Whether single rows (blocks under eight) take the AVX-512 gather walk, a tree a lane
    /// (`berth_compact_double_sum_row_using`).
    let gathersSingleRows: Bool
    /// What the measurement at load chose and timed, for the model ready line; nil where there was no choice.
    let walkChoice: String?

    /// Rows from which a block may take the gather walk: six of its eight 8-row chains full. At 32 rows it was level
    /// with the eight-at-once walk, at 48 1.5 × (timed in C on an Intel Xeon), so two threads' halves of a 100-row
    /// request take it.
    static let gatherRows = 48
    /// Rows the walks are timed on at load: every chain full.
    static let measuredRows = 64

    /// The compact form of `packed`'s trees that fit, or nil when none does. `walk` (`BERTH_TREE_WALK`) measured
    /// times the gather walks against the plain ones at load, where the CPU has AVX-512 (`measureGathers`); fixed to
    /// `compact-rows` or `compact-trees` it turns the gathers off for blocks and single rows alike, fixed to
    /// `compact-rows-avx512` or `compact-trees-avx512` on (where the CPU has AVX-512); any other walk is not one this
    /// kernel has, and is measured instead, the ready line saying so.
    init?(_ packed: PackedDoubleForest, featureCount: Int, walk preference: TreeWalkPreference = .measured) {
        var compact = [berth_compact_double_node]()
        var values = [Double]()
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
        let canGather = berth_forest_walk_isa() >= 2
        let (fixed, note) = Self.gathers(fixedBy: preference, canGather: canGather)
        if let fixed {
            (gathersBlocks, gathersSingleRows) = (fixed, fixed)
            walkChoice = fixed ? "blocks from \(Self.gatherRows) rows: compact-rows-avx512; single rows: compact-trees-avx512 (BERTH_TREE_WALK)"
                : "blocks: compact-rows; single rows: compact-trees (BERTH_TREE_WALK)"
        } else if canGather, featureCount <= TreeWalkChoice.widestMeasuredRows, let first = holds.firstIndex(of: true) {
            let measured = Self.measureGathers(forest, trees: first..<min(runEnds[first], first + 64),
                                               rows: SyntheticRows(forest: packed, featureCount: featureCount))
            (gathersBlocks, gathersSingleRows, walkChoice) = (measured.blocks, measured.singleRows, measured.description + note)
        } else {
            (gathersBlocks, gathersSingleRows) = (false, false)
            walkChoice = note.isEmpty ? nil : "blocks: compact-rows; single rows: compact-trees" + note
        }
    }

    /// Whether `preference` turns the gather walks on or off (nil: measure them), and the ready line's note when it
    /// names a walk this kernel does not have here.
    private static func gathers(fixedBy preference: TreeWalkPreference, canGather: Bool) -> (Bool?, String) {
        guard case .fixed(let walk) = preference else { return (nil, "") }
        switch walk {
        case .compactRows, .compactTrees: return (false, "")
        case .compactRowsAVX512 where canGather, .compactTreesAVX512 where canGather: return (true, "")
        default: return (nil, "; BERTH_TREE_WALK=\(walk) is not available for this model on this CPU")
        }
    }

    /// What `measureGathers` found.
    private struct MeasuredGathers {
        var blocks: Bool
        var singleRows: Bool
        var description: String
    }

    /// Times the plain walks and the gather walks around the model's thresholds, down up to 64 of its compact trees
    /// (`trees`): on a block of `measuredRows` rows, and on `TreeWalkChoice.measuredSingleRows` rows one call each; in
    /// turn for three rounds, each keeping its best time. Which gather walks win, and the line saying so.
    private static func measureGathers(_ forest: berth_compact_double_forest, trees: Range<Int>, rows synthetic: SyntheticRows) -> MeasuredGathers {
        let rows = synthetic.batch(rowCount: measuredRows).wideValues
        let singleRows = TreeWalkChoice.measuredSingleRows
        let groups = Int(forest.groupCount), features = synthetic.featureCount
        var margins = [Double](repeating: 0, count: measuredRows * groups)
        let clock = ContinuousClock()
        // Best times: block plain, block gathers, single rows plain, single rows gathers.
        var best = [Duration](repeating: .seconds(1), count: 4)
        withUnsafePointer(to: forest) { forest in
            rows.withUnsafeBufferPointer { rows in
                margins.withUnsafeMutableBufferPointer { margins in
                    let (first, end, values, sums) = (trees.lowerBound, trees.upperBound, rows.baseAddress!, margins.baseAddress!)
                    for _ in 0..<3 {
                        for trial in 0..<4 {
                            let gathers = trial % 2 == 1
                            let start = clock.now
                            if trial < 2 {
                                if !gathers || berth_compact_double_sum_rows_using(2, forest, first, end, values, features, measuredRows, sums) != 0 {
                                    berth_compact_double_sum_rows(forest, first, end, values, features, measuredRows, sums)
                                }
                            } else {
                                for row in 0..<singleRows {
                                    let (input, output) = (values + row * features, sums + row * groups)
                                    if !gathers || berth_compact_double_sum_row_using(2, forest, first, end, input, output) != 0 {
                                        berth_compact_double_sum_row(forest, first, end, input, output)
                                    }
                                }
                            }
                            best[trial] = min(best[trial], clock.now - start)
                        }
                    }
                }
            }
        }
        func microsecondsARow(_ time: Duration, rows: Int) -> String {
            let seconds = Double(time.components.seconds) + Double(time.components.attoseconds) * 1e-18
            return TreeWalkChoice.formatted(seconds * 1e6 / Double(rows))
        }
        let blocks = best[1] < best[0], single = best[3] < best[2]
        return MeasuredGathers(
            blocks: blocks, singleRows: single,
            description: "blocks from \(gatherRows) rows: \(blocks ? "compact-rows-avx512" : "compact-rows") (µs a row down \(trees.count) trees: "
                + "compact-rows \(microsecondsARow(best[0], rows: measuredRows)), compact-rows-avx512 \(microsecondsARow(best[1], rows: measuredRows))); "
                + "single rows: \(single ? "compact-trees-avx512" : "compact-trees") (compact-trees \(microsecondsARow(best[2], rows: singleRows)), "
                + "compact-trees-avx512 \(microsecondsARow(best[3], rows: singleRows)))")
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

    /// Adds trees `trees` (a run of compact ones) to each row's margins, in tree order: a row down eight trees at a
    /// time (64 with gathers where `gathersSingleRows`) when there are fewer rows than the walk takes at once, else
    /// eight rows down each tree, or from `gatherRows` rows, up to 64 at once, with gathers where `gathersBlocks`.
    func addMargins(trees: Range<Int>, rows: UnsafePointer<Double>, rowCount: Int, featureCount: Int, margins: UnsafeMutablePointer<Double>) {
        withUnsafePointer(to: forest) { forest in
            if rowCount < Int(BERTH_COMPACT_WALKS_AT_ONCE) {
                for row in 0..<rowCount {
                    let (input, output) = (rows + row * featureCount, margins + row * Int(forest.pointee.groupCount))
                    if !gathersSingleRows
                        || berth_compact_double_sum_row_using(2, forest, trees.lowerBound, trees.upperBound, input, output) != 0 {
                        berth_compact_double_sum_row(forest, trees.lowerBound, trees.upperBound, input, output)
                    }
                }
            } else if gathersBlocks, rowCount >= Self.gatherRows,
                      berth_compact_double_sum_rows_using(2, forest, trees.lowerBound, trees.upperBound, rows, featureCount, rowCount, margins) == 0 {
                // Walked with gathers, a row a lane.
            } else {
                berth_compact_double_sum_rows(forest, trees.lowerBound, trees.upperBound, rows, featureCount, rowCount, margins)
            }
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
