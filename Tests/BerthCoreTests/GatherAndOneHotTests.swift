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
        let graph = G.graph([G.node(.oneHotEncoder(categories: [7, 0, -2], refusesUnknown: false)), G.node(.flatten(axis: 1), ["y"], outputs: ["z"], name: "f")],
                            features: 4, output: "z")
        // 7 and 0 are categories; -2.9 truncates to -2; 3 is none, so zeros.
        #expect(try G.run(graph, [[7, 0, -2.9, 3]]) == [[1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]])
        // NaN and infinities are no category.
        #expect(try G.run(graph, [[.nan, .infinity, -.infinity, 0.99]]) == [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]])
    }

    /// A category listed twice marks its last place, as onnxruntime's map keeps it; a [N, 2] input gives [N, 2, C].
    @Test func aRepeatedCategoryMarksItsLastPlaceAndRanksAddAnAxis() throws {
        let reshape = G.node(.reshape(allowZero: false), [G.input, "shape"], outputs: ["pairs"], name: "reshape")
        let encode = G.node(.oneHotEncoder(categories: [1, 2, 1], refusesUnknown: false), ["pairs"], outputs: ["encoded"], name: "encode")
        let graph = G.graph([reshape, encode, G.node(.flatten(axis: 1), ["encoded"])], features: 4,
                            constants: ["shape": ConstantTensor(shape: [3], values: [-1, 2, 2])])
        #expect(try G.run(graph, [[1, 2, 5, 1]]) == [[0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1]])
    }

    /// An encoder of three categories, its [N, 4, 3] encoding flattened, written with `zeros=0` when `refusing`, then
    /// `after` (a Sigmoid makes the graph worth splitting across cores).
    static func encoder(refusing: Bool, after: [OperatorNode] = []) -> OperatorGraph {
        G.graph([G.node(.oneHotEncoder(categories: [7, 0, -2], refusesUnknown: refusing), name: "encode"),
                 G.node(.flatten(axis: 1), ["y"], outputs: ["z"], name: "f")] + after, features: 4, output: after.isEmpty ? "z" : "s")
    }

    static func batch(_ rows: [[Float]]) -> FeatureBatch {
        FeatureBatch(rowCount: rows.count, columnCount: rows.first?.count ?? 0, values: rows.flatMap { $0 })
    }

    /// `zeros=0` (scikit-learn's `handle_unknown='error'`, which onnxruntime fails the request for): the rows holding
    /// a value that is no category — NaN and infinities too — are refused by row, naming the value and the node, and
    /// every row is still written as `zeros=1` writes it; `zeros=1` refuses nothing.
    @Test func anEncoderWrittenWithZerosZeroRefusesTheRowsHoldingAnUnknownValue() throws {
        let rows: [[Float]] = [[7, 0, -2, 7], [7, 3, 0, 0], [0, 0, 0, 0], [.nan, 0, 0, 0], [-2.5, 0.5, 7.9, .infinity], [0, 0, -1, -3],
                               [1e19, 0, 0, 0], [-0x1p62, 0, 0, 0], [0, 2.5, 0, 0]]
        let refused = try G.compile(Self.encoder(refusing: true)).predict(Self.batch(rows))
        #expect(refused.refusals.map(\.row) == [1, 3, 4, 5, 6, 7, 8])
        // Values no Int holds are named as floats (1e19 would trap as an Int); whole ones an Int holds as integers.
        #expect(refused.refusals[2].reason.hasPrefix("the value inf reaches"))
        #expect(refused.refusals[4].reason.hasPrefix("the value 1e+19 reaches"))
        #expect(refused.refusals[5].reason.hasPrefix("the value -4.611686e+18 reaches"))
        #expect(refused.refusals[6].reason.hasPrefix("the value 2.5 reaches"))
        #expect(refused.refusals[0].reason.hasPrefix("the value 3 reaches the model's OneHotEncoder 'encode', which has no such category (it has 3: 7, 0, -2)"))
        #expect(refused.refusals[0].reason.contains("handle_unknown='ignore'"))
        #expect(refused.refusals[1].reason.hasPrefix("a missing value reaches"))
        #expect(refused.refusals[3].reason.hasPrefix("the value -1 reaches"), "the first unknown value of the row is named")
        let answered = try G.compile(Self.encoder(refusing: false)).predict(Self.batch(rows))
        #expect(answered.refusals.isEmpty)
        #expect(refused.values == answered.values)
    }

    /// Split across two cores, the refused rows are numbered in the whole batch, in order; a share of the predictions
    /// (what a batcher hands each joined request) keeps its own rows' refusals, numbered in it.
    @Test func refusedRowsAreNumberedInTheWholeBatchAcrossCoresAndInEachShare() throws {
        let graph = Self.encoder(refusing: true, after: [G.node(.sigmoid, ["z"], outputs: ["s"], name: "s")])
        let split = RowParallelism(threadCount: 2, minimumParallelWork: 1, splitsOnlyWhenCoresAreFree: false)
        let model = try #require(try CPUBackend(parallelism: split).compile(.graph(graph)) as? CPUGraphModel)
        #expect((model.parallelWorkPerRow ?? 0) > 0, "the graph splits its rows")
        let unknown: Set = [0, 150, 151, 299, 300]
        let rows = (0..<301).map { row -> [Float] in unknown.contains(row) ? [7, 0, 5, 0] : [Float([7, 0, -2][row % 3]), 0, 0, -2] }
        let predictions = model.predict(Self.batch(rows))
        #expect(predictions.refusals.map(\.row) == unknown.sorted())
        #expect(predictions.refusals.allSatisfy { $0.reason.hasPrefix("the value 5 reaches") })
        #expect(predictions.rows(100..<200).refusals.map(\.row) == [50, 51])
        #expect(predictions.rows(1..<150).refusals.isEmpty)
    }

    /// An ensemble refuses each row any member refuses, once, with the first member's reason.
    @Test func anEnsembleRefusesTheRowsAnyMemberRefuses() throws {
        let strict = try G.compile(G.graph([G.node(.oneHotEncoder(categories: [1, 2], refusesUnknown: true), name: "strict"),
                                            G.node(.reduce(.sum, axes: [1, 2], keepDims: false, noopWithEmptyAxes: false), ["y"], outputs: ["s"], name: "sum")],
                                           features: 2, output: "s"))
        let other = try G.compile(G.graph([G.node(.oneHotEncoder(categories: [1, 3], refusesUnknown: true), name: "other"),
                                           G.node(.reduce(.sum, axes: [1, 2], keepDims: false, noopWithEmptyAxes: false), ["y"], outputs: ["s"], name: "sum")],
                                          features: 2, output: "s"))
        let ensemble = try EnsembleModel(members: [strict, other], combination: .mean)
        let predictions = ensemble.predict(Self.batch([[1, 1], [2, 2], [3, 3], [1, 5]]))
        #expect(predictions.refusals.map(\.row) == [1, 2, 3])
        #expect(predictions.refusals.map { $0.reason.contains("'strict'") } == [false, true, true])
    }

    /// An encoder whose input is a constant is run at load; onnxruntime fails every request on such a graph when the
    /// constant holds an unknown value and `zeros=0`, so Berth refuses the model at load naming the node and the value.
    @Test func anEncoderOfAConstantHoldingAnUnknownValueIsRefusedAtLoad() throws {
        func graph(_ code: Float, refusing: Bool) -> OperatorGraph {
            G.graph([G.node(.oneHotEncoder(categories: [1, 2], refusesUnknown: refusing), ["code"], outputs: ["hot"], name: "constant-encoder"),
                     G.node(.add, [G.input, "hot"])], features: 2, constants: ["code": ConstantTensor(shape: [1], values: [code])])
        }
        let reason = G.refusal(graph(5, refusing: true))
        #expect(reason?.hasPrefix("node 'constant-encoder' reads only constants, and onnxruntime fails every request on them: the value 5 reaches") == true, "\(reason ?? "")")
        #expect(try G.run(graph(5, refusing: false), [[1, 1]]) == [[1, 1]])
        #expect(try G.run(graph(2, refusing: true), [[1, 1]]) == [[1, 2]])
    }

    @Test func aOneHotEncoderWithoutCategoriesIsRefused() {
        #expect(G.refusal(G.graph([G.node(.oneHotEncoder(categories: [], refusesUnknown: false))], features: 4))?.contains("no categories") == true)
    }
}
