import CBerthKernels

/// A summed block by the walk chosen for it, and the measurement at load that chooses.
extension CPUTreeEnsembleModel {
    /// Adds every tree's leaf to the block's margins (`margins[row * groupCount + group]`, already holding the
    /// base margins), in tree order, by `walk`; nil (trees with categorical splits) walks in Swift.
    @inline(__always)
    func sum(_ block: UnsafePointer<Float>, rowCount: Int, walk: TreeWalk?, nodes: UnsafeBufferPointer<PackedForest.Node>,
             margins: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int32>) {
        let groups = groupCount
        let chosen = walk ?? (rowCount < TreeWalkChoice.blockRows ? .packedTrees : .packedRows)
        switch chosen {
        case .compactRows:
            compact!.sumRows(block, stride: featureCount, rowCount: rowCount, margins: margins)
        case .compactRowsAVX512, .compactRowsAVX2:
            compact!.sumRows(block, stride: featureCount, rowCount: rowCount, margins: margins,
                             gathering: chosen.compactGatherInstructionSet!)
        case .compactTrees:
            for row in 0..<rowCount { compact!.sumRow(block + row * featureCount, margins: margins + row * groups) }
        case .compactTreesAVX512, .compactTreesAVX2:
            for row in 0..<rowCount {
                compact!.sumRow(block + row * featureCount, margins: margins + row * groups, gathering: chosen.compactGatherInstructionSet!)
            }
        case let gathers where gathers.gatherInstructionSet != nil:
            for row in 0..<rowCount {
                walkTreesOfOneRow(nodes: nodes, features: block + row * featureCount, margins: margins + row * groups,
                                  indices: indices, gatherInstructionSet: gathers.gatherInstructionSet)
            }
        case .packedTrees:
            for row in 0..<rowCount {
                walkTreesOfOneRow(nodes: nodes, features: block + row * featureCount, margins: margins + row * groups,
                                  indices: indices, gatherInstructionSet: nil)
            }
        default:
            for tree in forest.roots.indices {
                walkRowsInLockstep(tree: tree, nodes: nodes, block: block, blockRows: rowCount, indices: indices)
                let group = Int(forest.groups[tree])
                for row in 0..<rowCount { margins[row * groups + group] += nodes[Int(indices[row])].value }
            }
        }
    }

    /// Times the walks this forest and CPU allow (`TreeWalkChoice`) on rows around the model's own thresholds.
    func measuredWalks(preference: TreeWalkPreference) -> TreeWalkChoice {
        // Rows around the model's thresholds, drawn at the first timing: a walk fixed by BERTH_TREE_WALK, or a row too
        // wide to time (`TreeWalkChoice.choose`), needs none.
        var drawn: FeatureBatch?
        func rows() -> FeatureBatch {
            if let drawn { return drawn }
            let rows = SyntheticRows(forest: forest, featureCount: featureCount).batch(rowCount: TreeWalkChoice.measuredBlockRows)
            drawn = rows
            return rows
        }
        let hasCompact = compact != nil
        let nodeCount = forest.nodes.count
        var margins = [Float](repeating: 0, count: TreeWalkChoice.measuredBlockRows * groupCount)
        var indices = [Int32](repeating: 0, count: Self.blockSize)
        let clock = ContinuousClock()
        return TreeWalkChoice.choose(preference: preference,
                                     available: { TreeWalk.isAvailable($0, compact: hasCompact, nodeCount: nodeCount) },
                                     featureCount: featureCount,
                                     time: { walk, trial in
            rows().values.withUnsafeBufferPointer { values in
                forest.nodes.withUnsafeBufferPointer { nodes in
                    margins.withUnsafeMutableBufferPointer { margins in
                        indices.withUnsafeMutableBufferPointer { indices in
                            let start = clock.now
                            switch trial {
                            case .singleRows:
                                // One call a row, as real-time requests come.
                                for row in 0..<TreeWalkChoice.measuredSingleRows {
                                    sum(values.baseAddress! + row * featureCount, rowCount: 1, walk: walk, nodes: nodes,
                                        margins: margins.baseAddress! + row * groupCount, indices: indices.baseAddress!)
                                }
                            case .block:
                                sum(values.baseAddress!, rowCount: TreeWalkChoice.measuredBlockRows, walk: walk, nodes: nodes,
                                    margins: margins.baseAddress!, indices: indices.baseAddress!)
                            }
                            return (clock.now - start).inSeconds
                        }
                    }
                }
            }
        })
    }
}
