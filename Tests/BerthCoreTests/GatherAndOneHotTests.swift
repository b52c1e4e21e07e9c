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

    /// Along the middle axis of [N, 2, 2], by 2-D indices: [N, 2, 2] with the axis replaced by the indices' shape
    /// [1, 2], so [N, 1, 2, 2]; and a Gather of two constants is folded at load to the same numbers.
    @Test func gatherAlongAMiddleAxisByTwoDimensionalIndices() throws {
        let reshape = G.node(.reshape(allowZero: false), [G.input, "shape"], outputs: ["cube"], name: "reshape")
        let gather = G.node(.gather(axis: 1), ["cube", "i"], outputs: ["picked"], name: "gather")
        let flatten = G.node(.flatten(axis: 1), ["picked"])
        let graph = G.graph([reshape, gather, flatten], features: 4, constants: [
            "shape": ConstantTensor(shape: [3], values: [-1, 2, 2]), "i": ConstantTensor(shape: [1, 2], values: [1, 0]),
        ])
        #expect(try G.run(graph, [[1, 2, 3, 4]]) == [[3, 4, 1, 2]])
        let folded = G.graph([G.node(.gather(axis: 1), ["table", "i"], outputs: ["row"], name: "g"), G.node(.add, [G.input, "row"])],
                             features: 2, constants: ["table": ConstantTensor(shape: [1, 3], values: [1, 2, 3]),
                                                      "i": ConstantTensor(shape: [2], values: [2, 0])])
        #expect(try G.run(folded, [[10, 20]]) == [[13, 21]])
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

    /// A category listed twice marks its last place, as onnxruntime's map keeps it; a [N, 2] input gives [N, 2, C].
    @Test func aRepeatedCategoryMarksItsLastPlaceAndRanksAddAnAxis() throws {
        let reshape = G.node(.reshape(allowZero: false), [G.input, "shape"], outputs: ["pairs"], name: "reshape")
        let encode = G.node(.oneHotEncoder(categories: [1, 2, 1]), ["pairs"], outputs: ["encoded"], name: "encode")
        let graph = G.graph([reshape, encode, G.node(.flatten(axis: 1), ["encoded"])], features: 4,
                            constants: ["shape": ConstantTensor(shape: [3], values: [-1, 2, 2])])
        #expect(try G.run(graph, [[1, 2, 5, 1]]) == [[0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1]])
    }

    @Test func aOneHotEncoderWithoutCategoriesIsRefused() {
        #expect(G.refusal(G.graph([G.node(.oneHotEncoder(categories: []))], features: 4))?.contains("no categories") == true)
    }
}
