import CBerthKernels

/// A summed forest of numerical splits in the C walks' 8-byte nodes (`berth_compact_forest.c`): what the tree
/// kernel's fastest walks read on CPUs where vector gathers do not pay.
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
    /// What the C walks take: pointers into the buffers above.
    private let forest: berth_compact_forest

    /// The compact form of `packed`, or nil when it does not fit (see the type's comment).
    init?(_ packed: PackedForest, groupCount: Int) {
        guard !packed.hasCategorical.contains(true) else { return nil }
        var compact = [berth_compact_node]()
        var values = [Float]()
        var starts = [Int32]()
        compact.reserveCapacity(packed.nodes.count)
        values.reserveCapacity(packed.nodes.count)
        var queue = [Int32]()
        for root in packed.roots {
            starts.append(Int32(compact.count))
            queue.removeAll(keepingCapacity: true)
            queue.append(root)
            var slot = 0
            // Breadth first: slot k holds queue[k]; a split's children are appended together.
            while slot < queue.count {
                let node = packed.nodes[Int(queue[slot])]
                let flags = node.featureAndFlags
                if flags & PackedForest.leafFlag != 0 {
                    compact.append(berth_compact_node(featureAndDefaultLeft: 0, left: UInt16(truncatingIfNeeded: slot - 1), threshold: .nan))
                    values.append(node.value)
                } else {
                    let feature = flags & PackedForest.featureMask
                    guard feature < UInt32(BERTH_COMPACT_MAX_FEATURES), queue.count + 2 <= Int(BERTH_COMPACT_MAX_TREE_NODES) else { return nil }
                    let defaultLeft = flags & PackedForest.defaultLeftFlag != 0 ? UInt16(BERTH_COMPACT_DEFAULT_LEFT) : 0
                    compact.append(berth_compact_node(featureAndDefaultLeft: UInt16(feature) | defaultLeft,
                                                      left: UInt16(queue.count), threshold: node.value))
                    values.append(0)
                    queue.append(node.left)
                    queue.append(node.right)
                }
                slot += 1
            }
        }
        nodes = .copying(compact)
        leafValues = .copying(values)
        treeStarts = .copying(starts)
        depths = .copying(packed.depths)
        groups = .copying(packed.groups)
        forest = berth_compact_forest(nodes: nodes.baseAddress, leafValues: leafValues.baseAddress, treeStarts: treeStarts.baseAddress,
                                      depths: depths.baseAddress, groups: groups.baseAddress, treeCount: packed.roots.count,
                                      groupCount: groupCount)
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

    /// Adds every tree's leaf to one row's margins, in tree order: the row down eight trees at a time.
    func sumRow(_ row: UnsafePointer<Float>, margins: UnsafeMutablePointer<Float>) {
        withUnsafePointer(to: forest) { berth_compact_forest_sum_row($0, row, margins) }
    }
}
