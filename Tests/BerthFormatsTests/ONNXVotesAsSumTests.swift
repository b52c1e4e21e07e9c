import BerthCore
import BerthTestSupport
import Testing
@testable import BerthFormats

/// The ONNX reader marks a forest whose votes are a plain sum `.sum`, so every backend walks it as one
/// (`TreeEnsemble.votesAreAPlainSum`); forests with leaves that vote for only some outputs, MIN and MAX keep theirs.
@Suite struct ONNXVotesAsSumTests {
    static func combinations(_ fixture: String) throws -> [TreeEnsemble.LeafCombination] {
        let loaded = try ModelReader.read(file: "model.onnx", bytes: Fixtures.bytes(Fixtures.root + "/\(fixture)/model/model.onnx"))
        guard case .graph(let graph) = loaded.ir else {
            Issue.record("\(fixture) is not a graph")
            return []
        }
        return graph.nodes.compactMap { node in
            if case .treeEnsemble(let operation) = node.operation { operation.ensemble.combination } else { nil }
        }
    }

    @Test(arguments: [("onnx-random-forest-binary", TreeEnsemble.LeafCombination.sum), ("onnx-random-forest-multiclass", .sum),
                      ("onnx-gradient-boosting-binary", .sum), ("onnx-tree-modes-sum", .sumOfVotes),
                      ("onnx-tree-modes-average", .sumOfVotes), ("onnx-tree-modes-min", .minimum), ("onnx-tree-modes-max", .maximum)])
    func theReaderMarksVotesThatAreASum(fixture: String, combination: TreeEnsemble.LeafCombination) throws {
        #expect(try Self.combinations(fixture) == [combination], "\(fixture)")
    }
}
