import Testing
@testable import BerthCore

/// Gather by constant indices (`GatherKernel`) and OneHotEncoder of integer categories (`OneHotEncoderKernel`), each
/// against its definition on numbers worked out here.
@Suite struct GatherAndOneHotTests {
    typealias G = GraphTesting

    static func gather(axis: Int, indices: [Float], shape: [Int]) -> OperatorGraph {
        G.graph([G.node(.gather(axis: axis), [G.input, "i"])], features: 4, constants: ["i": ConstantTensor(shape: shape, values: indices)])
    }

    @Test func gatherTakesColumnsInTheIndicesOrderCountingNegativeOnesFromTheEnd() throws {
        #expect(try G.run(Self.gather(axis: 1, indices: [2, -1, 0], shape: [3]), G.rows) == G.rows.map { [$0[2], $0[3], $0[0]] })
        // A scalar index drops the axis: [N, 4] → [N]; the graph answers it as one value a row.
        #expect(try G.run(Self.gather(axis: -1, indices: [1], shape: []), G.rows) == G.rows.map { [$0[1]] })
    }

    @Test func gatherRefusesTheBatchAxisAndIndicesOutsideTheAxis() {
        #expect(G.refusal(Self.gather(axis: 0, indices: [0], shape: [1]))?.contains("along the batch axis") == true)
        #expect(G.refusal(Self.gather(axis: 1, indices: [4], shape: [1]))?.contains("not all within an axis of 4") == true)
        #expect(G.refusal(Self.gather(axis: 1, indices: [-5], shape: [1]))?.contains("not all within an axis of 4") == true)
        #expect(G.refusal(Self.gather(axis: 1, indices: [0.5], shape: [1]))?.contains("not a dimension") == true)
    }

    @Test func oneHotMarksEachValuesCategoryOnANewLastAxis() throws {
        let graph = G.graph([G.node(.oneHotEncoder(categories: [7, 0, -2])), G.node(.flatten(axis: 1), ["y"], outputs: ["z"], name: "f")],
                            features: 4, output: "z")
        // 7 and 0 are categories; -2.9 truncates to -2; 3 is none, so zeros.
        #expect(try G.run(graph, [[7, 0, -2.9, 3]]) == [[1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]])
        // NaN and infinities are no category.
        #expect(try G.run(graph, [[.nan, .infinity, -.infinity, 0.99]]) == [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]])
    }

    @Test func aOneHotEncoderWithoutCategoriesIsRefused() {
        #expect(G.refusal(G.graph([G.node(.oneHotEncoder(categories: []))], features: 4))?.contains("no categories") == true)
    }
}
