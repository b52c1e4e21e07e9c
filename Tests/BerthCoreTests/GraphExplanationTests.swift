import Testing
@testable import BerthCore

/// Explanations of graphs (what ONNX models become): a graph whose answer comes from one tree ensemble alone explains
/// that ensemble's leaves (by the file's node ids) and its scores before the post transform, on the input its
/// preprocessing hands it; every other graph, and contributions, are refused.
@Suite struct GraphExplanationTests {
    typealias G = GraphTesting

    /// A stump on feature 0 (x0 < 0.5 → 2, else 7), averaged over the 2 trees the file holds, base 100, logistic
    /// after; its file numbers the root 10 and the leaves 11 and 12.
    static func stump(fileTrees: [TreeEnsembleOperation.FileTree]? = [.init(irTree: 0, nodeIds: [10, 11, 12])]) -> GraphOperation {
        let tree = DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [0, 0, 0],
                                values: [0.5, 2, 7], defaultLeft: [true, false, false])
        let ensemble = TreeEnsemble(featureCount: 2, groupCount: 1, trees: [tree], treeGroups: [0], baseMargins: [0], transform: .identity)
        return .treeEnsemble(TreeEnsembleOperation(ensemble: ensemble, treeCount: 2, aggregation: .average, baseValues: [-102],
                                                   postTransform: .logistic, binaryWidening: nil, fileTrees: fileTrees))
    }

    /// A Scaler (x − 1) · 2 before the stump: rows are explained on the values the trees see.
    static let scaledStump = G.graph([G.node(.scaler(offset: [1, 1], scale: [2, 2]), outputs: ["scaled"], name: "scale"),
                                      G.node(stump(), ["scaled"], name: "trees")], features: 2)
    /// Scaled to -2, 0.4, 0.6 and NaN: below, below, above the split, and missing (left).
    static let rows: [Float] = [0, 9, 1.2, 9, 1.3, 9, .nan, 9]

    @Test func leavesAreTheFilesNodeIdsOfTheTreesTheInputReaches() throws {
        let model = try G.compile(Self.scaledStump)
        let leaves = try model.explain(FeatureBatch(rowCount: 4, columnCount: 2, values: Self.rows), as: .leaves)
        #expect(leaves.width == 1)
        #expect(leaves.values == [11, 11, 12, 11])
    }

    /// The margin is the score the post transform is applied to: the average over the file's trees plus the base.
    @Test func theMarginIsTheScoreBeforeThePostTransform() throws {
        let model = try G.compile(Self.scaledStump)
        let batch = FeatureBatch(rowCount: 4, columnCount: 2, values: Self.rows)
        let margins = try model.explain(batch, as: .margin)
        #expect(margins.values == [-101, -101, -98.5, -101])
        let predictions = model.predict(batch)
        for (margin, prediction) in zip(margins.values, predictions.values) {
            #expect(prediction == ScorePostTransform.logistic(Float(margin)))
        }
    }

    @Test func contributionsAreRefusedNamingTheMissingCovers() throws {
        let model = try G.compile(Self.scaledStump)
        let refusal = #expect(throws: ExplanationRefusal.self) {
            try model.explain(FeatureBatch(rowCount: 1, columnCount: 2, values: [0, 0]), as: .contributions)
        }
        #expect(refusal?.reason.contains("cover") == true)
    }

    @Test func aTreeThatVotesForNoOutputRefusesLeavesButNotMargins() throws {
        let model = try G.compile(G.graph([G.node(Self.stump(fileTrees: nil), name: "trees")], features: 2))
        let batch = FeatureBatch(rowCount: 1, columnCount: 2, values: [0.9, 0])
        #expect(throws: ExplanationRefusal.self) { try model.explain(batch, as: .leaves) }
        #expect(try model.explain(batch, as: .margin).values == [-98.5])
    }

    /// A request too wide for one arena is explained in blocks of rows (the graph run up to the ensemble in each),
    /// every row as it is alone: a 200,000-wide tensor before the stump (x · A · B, A and B picking x back out
    /// exactly) makes each row take 1.6 MB of arena.
    @Test func aRequestTooWideForOneArenaIsExplainedInBlocks() throws {
        let width = 200_000
        var out = [Float](repeating: 0, count: 2 * width), back = [Float](repeating: 0, count: width * 2)
        (out[0], out[width + 1], back[0], back[3]) = (1, 1, 1, 1)
        let graph = G.graph([G.node(.matMul, [G.input, "out"], outputs: ["wide"], name: "out"),
                             G.node(.matMul, ["wide", "back"], outputs: ["narrow"], name: "back"),
                             G.node(Self.stump(), ["narrow"], name: "trees")], features: 2,
                            constants: ["out": ConstantTensor(shape: [2, width], values: out), "back": ConstantTensor(shape: [width, 2], values: back)])
        let model = try G.compile(graph)
        let rows = (0..<200).map { [Float($0 % 7) / 7, 0] }
        #expect(rows.count > 2 * model.blockRows, "the request spans at least three blocks (\(model.blockRows) rows a block)")
        for kind in [ExplanationKind.leaves, .margin] {
            let together = try model.explain(FeatureBatch(rowCount: rows.count, columnCount: 2, values: rows.flatMap { $0 }), as: kind)
            let alone = try rows.flatMap { try model.explain(FeatureBatch(rowCount: 1, columnCount: 2, values: $0), as: kind).values }
            #expect(together.rowCount == rows.count && together.values == alone, "\(kind)")
            #expect(Set(alone).count == 2, "\(kind): both leaves are reached")
        }
    }

    /// Which graphs explain: the answer must be computed from the one ensemble's scores and constants alone.
    @Test func onlyAnAnswerFromOneEnsembleAloneIsExplained() throws {
        let constants = ["two": ConstantTensor(shape: [1], values: [2])]
        let linear = GraphOperation.linearRegressor(LinearModelOperation(coefficients: [1, 1], intercepts: [0], outputCount: 1,
                                                                           postTransform: .none, labelCount: 0))
        let cases: [(String, OperatorGraph, Bool)] = [
            ("the ensemble alone", G.graph([G.node(Self.stump())], features: 2), true),
            ("scaled first", Self.scaledStump, true),
            ("scores times a constant", G.graph([G.node(Self.stump(), outputs: ["s"], name: "trees"),
                                                 G.node(.multiply, ["s", "two"], name: "double")], features: 2, constants: constants), true),
            ("scores plus a linear model's", G.graph([G.node(Self.stump(), outputs: ["s"], name: "trees"),
                                                      G.node(linear, outputs: ["l"], name: "linear"),
                                                      G.node(.add, ["s", "l"], name: "sum")], features: 2), false),
            ("two ensembles", G.graph([G.node(Self.stump(), outputs: ["s"], name: "a"), G.node(Self.stump(), ["s"], name: "b")], features: 2), false),
            ("no ensemble", G.graph([G.node(linear)], features: 2), false),
        ]
        for (label, graph, explains) in cases {
            #expect(CPUGraphModel.answersFromOneForest(graph) == explains, "\(label)")
        }
        let refusal = #expect(throws: ExplanationRefusal.self) {
            try G.compile(cases[3].1).explain(FeatureBatch(rowCount: 1, columnCount: 2, values: [0, 0]), as: .margin)
        }
        #expect(refusal?.reason.contains("does not come from one tree ensemble") == true)
    }
}
