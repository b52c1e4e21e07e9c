import Testing
@testable import BerthCore

/// The rows a forest's walks and devices are timed on at load.
@Suite struct SyntheticRowsTests {
    /// A forest of more nodes than `SyntheticRows.sampledNodes` gives thresholds from nodes drawn across it, first
    /// trees and last alike, each one of its own, and no more than that many: a forest of 3-node stumps, where evenly
    /// spaced picks would all be roots or all leaves, included.
    @Test func aLargeForestsRowsComeFromThresholdsAcrossIt() throws {
        let trees = (0..<3_000).map { tree in
            DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [Int32(tree % 4), 0, 0],
                         values: [Float(tree), 0, 0], defaultLeft: [true, false, false])
        }
        let ensemble = TreeEnsemble(featureCount: 4, groupCount: 1, trees: trees, treeGroups: [Int](repeating: 0, count: 3_000),
                                    baseMargins: [0], transform: .identity)
        let rows = SyntheticRows(forest: try PackedForest(ensemble), featureCount: 4)
        let thresholds = rows.thresholds.flatMap { $0 }
        // A third of the nodes are roots, the rest leaves, which have no threshold.
        #expect(thresholds.count <= SyntheticRows.sampledNodes && thresholds.count >= SyntheticRows.sampledNodes / 4)
        #expect(thresholds.allSatisfy { $0 >= 0 && $0 < 3_000 && $0 == $0.rounded() })
        #expect(thresholds.min()! < 10 && thresholds.max()! > 2_990)
        #expect(rows.thresholds.allSatisfy { !$0.isEmpty }, "every feature is split on somewhere in the sample")
    }
}
