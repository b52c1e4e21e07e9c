import CBerthKernels
import Synchronization

/// A summed forest of numerical splits in the C walks' 8-byte nodes (`berth_compact_forest.c`, and with vector
/// gathers `berth_compact_forest_gathers.c`): what the tree kernel's fastest walks read.
///
/// Half the packed forest's 16 bytes a node, because each tree is renumbered breadth-first with every node's
/// children side by side: a node keeps its left child's slot, and going right is that slot plus one. Built at
/// load beside the `PackedForest` (which explanations and the GPU keep reading), from the same nodes, so every walk
/// takes the same decisions. Forests it cannot hold — a split on feature 32,768 or above, a tree of more than
/// 65,536 nodes, categorical splits — have none, and the packed walks serve them.
final class CompactForest: @unchecked Sendable {
    // @unchecked: the buffers are written once, in init, and only read afterwards.
    private let nodes: UnsafeMutableBufferPointer<berth_compact_node>
    private let leafValues: UnsafeMutableBufferPointer<Float>
    private let treeStarts: UnsafeMutableBufferPointer<Int32>
    private let depths: UnsafeMutableBufferPointer<Int32>
    private let groups: UnsafeMutableBufferPointer<Int32>
    /// What the C walks take: pointers into the buffers above (read by the tests, which call the walks directly).
    let forest: berth_compact_forest

    /// The compact form of `packed`, or nil when it does not fit (see the type's comment). Each tree is renumbered
    /// into the slots its packed nodes take (`treeStarts` are the packed roots; nodes a tree cannot reach leave
    /// zeroed slots at its end), so the trees are independent and built on `parallelism`'s threads.
    init?(_ packed: PackedForest, groupCount: Int, parallelism: RowParallelism = RowParallelism(threadCount: 1)) {
        guard !packed.hasCategorical.contains(true) else { return nil }
        let total = packed.nodes.count, treeCount = packed.roots.count
        let nodes = UnsafeMutableBufferPointer<berth_compact_node>.allocate(capacity: total)
        let leafValues = UnsafeMutableBufferPointer<Float>.allocate(capacity: total)
        let fits = Atomic<Bool>(true)
        let nodesOutput = SendableMutablePointer(nodes.baseAddress), valuesOutput = SendableMutablePointer(leafValues.baseAddress)
        packed.nodes.withUnsafeBufferPointer { packedNodes in
            let source = SendablePointer(packedNodes.baseAddress)
            parallelism.forEachChunk(count: treeCount, work: total) { range in
                for tree in range {
                    let start = Int(packed.roots[tree])
                    // A tree that does not fit refuses the whole forest: the rest of the chunk is only zeroed, so
                    // that every slot is initialised before the buffers are given back.
                    guard fits.load(ordering: .relaxed) else {
                        let end = range.upperBound < treeCount ? Int(packed.roots[range.upperBound]) : total
                        Self.clear(nodes: nodesOutput.pointer! + start, values: valuesOutput.pointer! + start, count: end - start)
                        return
                    }
                    let end = tree + 1 < treeCount ? Int(packed.roots[tree + 1]) : total
                    if !Self.write(root: packed.roots[tree], of: source.pointer!, slots: end - start,
                                   nodes: nodesOutput.pointer! + start, values: valuesOutput.pointer! + start) {
                        fits.store(false, ordering: .relaxed)
                    }
                }
            }
        }
        guard fits.load(ordering: .relaxed) else {
            nodes.deallocate()
            leafValues.deallocate()
            return nil
        }
        self.nodes = nodes
        self.leafValues = leafValues
        treeStarts = .copying(packed.roots)
        depths = .copying(packed.depths)
        groups = .copying(packed.groups)
        forest = berth_compact_forest(nodes: nodes.baseAddress, leafValues: leafValues.baseAddress, treeStarts: treeStarts.baseAddress,
                                      depths: depths.baseAddress, groups: groups.baseAddress, treeCount: treeCount,
                                      groupCount: groupCount)
    }

    /// Writes the tree at packed node `root` breadth first into `slots` slots of `nodes` and `values` — slot k holds
    /// the k-th node reached, a split's children appended together — and zeroes the slots it does not reach. False
    /// when the tree does not fit a compact node (a feature of 32,768 or above, more than 65,536 nodes).
    private static func write(root: Int32, of packed: UnsafePointer<PackedForest.Node>, slots: Int,
                              nodes: UnsafeMutablePointer<berth_compact_node>, values: UnsafeMutablePointer<Float>) -> Bool {
        // The queue never holds more than a compact tree can (the guard below stops the walk first).
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: min(slots, Int(BERTH_COMPACT_MAX_TREE_NODES))) { queue in
            queue[0] = root
            var reached = 1
            var slot = 0
            var fits = true
            while slot < reached {
                let node = packed[Int(queue[slot])]
                let flags = node.featureAndFlags
                if flags & PackedForest.leafFlag != 0 {
                    nodes[slot] = berth_compact_node(featureAndDefaultLeft: 0, left: UInt16(truncatingIfNeeded: slot - 1), threshold: .nan)
                    values[slot] = node.value
                } else {
                    let feature = flags & PackedForest.featureMask
                    // `reached + 2 <= slots` holds for any tree the packed forest accepted; checked so that no
                    // bug upstream can write past the tree's slots.
                    guard feature < UInt32(BERTH_COMPACT_MAX_FEATURES), reached + 2 <= Int(BERTH_COMPACT_MAX_TREE_NODES),
                          reached + 2 <= slots else {
                        fits = false
                        break
                    }
                    let defaultLeft = flags & PackedForest.defaultLeftFlag != 0 ? UInt16(BERTH_COMPACT_DEFAULT_LEFT) : 0
                    nodes[slot] = berth_compact_node(featureAndDefaultLeft: UInt16(feature) | defaultLeft,
                                                     left: UInt16(reached), threshold: node.value)
                    values[slot] = 0
                    queue[reached] = node.left
                    queue[reached + 1] = node.right
                    reached += 2
                }
                slot += 1
            }
            clear(nodes: nodes + slot, values: values + slot, count: slots - slot)
            return fits
        }
    }

    /// Zeroes `count` slots no walk reaches, so that every slot of the buffers is initialised.
    private static func clear(nodes: UnsafeMutablePointer<berth_compact_node>, values: UnsafeMutablePointer<Float>, count: Int) {
        nodes.initialize(repeating: berth_compact_node(featureAndDefaultLeft: 0, left: 0, threshold: 0), count: count)
        values.initialize(repeating: 0, count: count)
    }

    deinit {
        nodes.deallocate()
        leafValues.deallocate()
        treeStarts.deallocate()
        depths.deallocate()
        groups.deallocate()
    }

    var residentBytes: Int {
        nodes.count * MemoryLayout<berth_compact_node>.stride + leafValues.count * 4 + (treeStarts.count + depths.count + groups.count) * 4
    }

    /// Adds every tree's leaf to each row's margins (`margins[row * groupCount + group]`), in tree order: eight
    /// rows down one tree at a time.
    func sumRows(_ rows: UnsafePointer<Float>, stride: Int, rowCount: Int, margins: UnsafeMutablePointer<Float>) {
        withUnsafePointer(to: forest) { berth_compact_forest_sum_rows($0, rows, stride, rowCount, margins) }
    }

    /// The same sums as `sumRows`, bit for bit, by vector gathers with a row a lane (`instructionSet` 2 AVX-512, 1
    /// AVX2); by `sumRows` where this CPU lacks the instruction set.
    func sumRows(_ rows: UnsafePointer<Float>, stride: Int, rowCount: Int, margins: UnsafeMutablePointer<Float>,
                 gathering instructionSet: Int32) {
        withUnsafePointer(to: forest) {
            if berth_compact_forest_sum_rows_using(instructionSet, $0, rows, stride, rowCount, margins) != 0 {
                berth_compact_forest_sum_rows($0, rows, stride, rowCount, margins)
            }
        }
    }

    /// Adds every tree's leaf to one row's margins, in tree order: the row down eight trees at a time.
    func sumRow(_ row: UnsafePointer<Float>, margins: UnsafeMutablePointer<Float>) {
        withUnsafePointer(to: forest) { berth_compact_forest_sum_row($0, row, margins) }
    }

    /// The same sums as `sumRow`, bit for bit, by vector gathers with a tree a lane (`instructionSet` 2 AVX-512, 1
    /// AVX2); by `sumRow` where this CPU lacks the instruction set.
    func sumRow(_ row: UnsafePointer<Float>, margins: UnsafeMutablePointer<Float>, gathering instructionSet: Int32) {
        withUnsafePointer(to: forest) {
            if berth_compact_forest_sum_row_using(instructionSet, $0, row, margins) != 0 { berth_compact_forest_sum_row($0, row, margins) }
        }
    }
}
