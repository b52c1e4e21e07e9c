import Testing
@testable import BerthCore

/// CumSum (`CumulativeSumKernel`) and GatherElements (`GatherElementsKernel`), each against its ONNX definition on
/// numbers worked out here; AdaBoostRegressor's whole export runs against onnxruntime in the fixture tests.
@Suite struct CumulativeSumAndGatherElementsTests {
    typealias G = GraphTesting

    static func cumulativeSum(axis: Float, exclusive: Bool = false, reverse: Bool = false) -> OperatorGraph {
        G.graph([G.node(.cumulativeSum(exclusive: exclusive, reverse: reverse), [G.input, "axis"])], features: 4,
                constants: ["axis": ConstantTensor(shape: [], values: [axis])])
    }

    @Test func cumSumAddsAlongTheRowInclusiveExclusiveAndReversed() throws {
        let rows: [[Float]] = [[1, 2, 3, 4], [-1, 0.5, .infinity, 2]]
        #expect(try G.run(Self.cumulativeSum(axis: 1), rows) == [[1, 3, 6, 10], [-1, -0.5, .infinity, .infinity]])
        #expect(try G.run(Self.cumulativeSum(axis: -1, exclusive: true), rows) == [[0, 1, 3, 6], [0, -1, -0.5, .infinity]])
        #expect(try G.run(Self.cumulativeSum(axis: 1, reverse: true), rows) == [[10, 9, 7, 4], [.infinity, .infinity, .infinity, 2]])
        #expect(try G.run(Self.cumulativeSum(axis: 1, exclusive: true, reverse: true), [[1, 2, 3, 4]]) == [[9, 7, 4, 0]])
    }

    /// The sum runs in float32 one value after another, as onnxruntime adds: 2²⁴ + 1 + 1 stays 2²⁴ at each step; the
    /// first inclusive sum is the first value itself, so a -0 there stays -0, and an exclusive sum starts at +0 and adds
    /// from there (onnxruntime 1.32: `[-0, -0, 1, 1]` gives `[+0, +0, +0, 1]`).
    @Test func cumSumRoundsEachStepInFloat() throws {
        #expect(try G.run(Self.cumulativeSum(axis: 1), [[0x1p24, 1, 1, 2]]) == [[0x1p24, 0x1p24, 0x1p24, 0x1p24 + 2]])
        #expect(try G.run(Self.cumulativeSum(axis: 1), [[-0.0, -0.0, 1, 1]])[0].map(\.sign) == [.minus, .minus, .plus, .plus])
        #expect(try G.run(Self.cumulativeSum(axis: 1, exclusive: true), [[-0.0, -0.0, 1, 1]])[0].map(\.sign) == [.plus, .plus, .plus, .plus])
        #expect(try G.run(Self.cumulativeSum(axis: 1, exclusive: true, reverse: true), [[1, 1, -0.0, -0.0]])[0].map(\.sign) == [.plus, .plus, .plus, .plus])
    }

    /// Along the middle axis of [N, 2, 2]: each column summed down its own two values.
    @Test func cumSumAlongAMiddleAxis() throws {
        let reshape = G.node(.reshape(allowZero: false), [G.input, "shape"], outputs: ["cube"], name: "reshape")
        let sum = G.node(.cumulativeSum(exclusive: false, reverse: false), ["cube", "axis"], outputs: ["summed"], name: "sum")
        let graph = G.graph([reshape, sum, G.node(.flatten(axis: 1), ["summed"])], features: 4, constants: [
            "shape": ConstantTensor(shape: [3], values: [-1, 2, 2]), "axis": ConstantTensor(shape: [1], values: [1]),
        ])
        #expect(try G.run(graph, [[1, 2, 10, 20]]) == [[1, 2, 11, 22]])
    }

    @Test func cumSumRefusesTheBatchAxisAndAnAxisThatIsNoWholeNumber() {
        #expect(G.refusal(Self.cumulativeSum(axis: 0))?.contains("batch") == true)
        #expect(G.refusal(Self.cumulativeSum(axis: 2))?.contains("outside a tensor of rank 2") == true)
        #expect(G.refusal(Self.cumulativeSum(axis: .nan))?.contains("not a dimension") == true)
        #expect(G.refusal(Self.cumulativeSum(axis: 1e30))?.contains("not a dimension") == true)
    }

    /// The request's first two columns are the data, its last two the indices into them (an index per place).
    static func gatherElements(axis: Int = 1) -> OperatorGraph {
        G.graph([G.node(.slice(starts: [0], ends: [2], axes: [1]), outputs: ["data"], name: "data"),
                 G.node(.slice(starts: [2], ends: [4], axes: [1]), outputs: ["indices"], name: "indices"),
                 G.node(.gatherElements(axis: axis), ["data", "indices"], name: "pick")], features: 4)
    }

    @Test func gatherElementsPicksEachRowsValueAtItsOwnIndexCountingNegativeOnesFromTheEnd() throws {
        #expect(try G.run(Self.gatherElements(), [[10, 20, 1, 0], [30, 40, 0, 0], [50, 60, -1, -2]]) == [[20, 10], [30, 30], [60, 50]])
        #expect(try G.run(Self.gatherElements(axis: -1), [[10, 20, 1, 1]]) == [[20, 20]])
    }

    /// An index outside the axis, a fraction or a missing value gives NaN and refuses the row naming it, as
    /// onnxruntime fails the request; the other rows are answered.
    @Test func gatherElementsRefusesTheRowsHoldingAnIndexOutsideTheAxis() throws {
        let rows: [[Float]] = [[10, 20, 1, 0], [10, 20, 2, 0], [10, 20, 0, -3], [10, 20, 0.5, 0], [10, 20, .nan, 1], [10, 20, 1e19, 0]]
        let predictions = try G.compile(Self.gatherElements()).predict(GatherAndOneHotTests.batch(rows))
        #expect(predictions.refusals.map(\.row) == [1, 2, 3, 4, 5])
        #expect(predictions.refusals[0].reason.hasPrefix("the index 2 reaches the model's GatherElements 'pick' along an axis of 2"))
        #expect(predictions.refusals[1].reason.hasPrefix("the index -3 reaches"))
        #expect(predictions.refusals[2].reason.hasPrefix("the index 0.5 reaches"))
        #expect(predictions.refusals[3].reason.hasPrefix("a missing value reaches"))
        #expect(predictions.refusals[4].reason.hasPrefix("the index 1e+19 reaches"))
        // Row 0 answered; row 1's index 2 and row 2's -3 give NaN, their other places their values.
        #expect(Array(predictions.values[0..<2]) == [20, 10])
        #expect(predictions.values[2].isNaN && predictions.values[3] == 10 && predictions.values[4] == 10 && predictions.values[5].isNaN)
    }

    @Test func gatherElementsRefusesTheBatchAxisAndIndicesShapedUnlikeTheData() {
        #expect(G.refusal(Self.gatherElements(axis: 0))?.contains("batch axis") == true)
        let wider = G.graph([G.node(.slice(starts: [0], ends: [1], axes: [1]), outputs: ["data"], name: "data"),
                             G.node(.reshape(allowZero: false), [G.input, "shape"], outputs: ["indices"], name: "indices"),
                             G.node(.gatherElements(axis: 1), ["data", "indices"], name: "pick")], features: 4,
                            constants: ["shape": ConstantTensor(shape: [3], values: [-1, 2, 2])])
        #expect(G.refusal(wider)?.contains("of one rank") == true)
        // One rank, but the indices [N, 1, 2] are not as long as the data [N, 2, 2] along axis 1 (not the one gathered).
        let narrower = G.graph([G.node(.reshape(allowZero: false), [G.input, "cube"], outputs: ["data"], name: "data"),
                                G.node(.slice(starts: [0], ends: [2], axes: [1]), outputs: ["pair"], name: "pair"),
                                G.node(.reshape(allowZero: false), ["pair", "flat"], outputs: ["indices"], name: "indices"),
                                G.node(.gatherElements(axis: 2), ["data", "indices"], name: "pick")], features: 4,
                               constants: ["cube": ConstantTensor(shape: [3], values: [-1, 2, 2]), "flat": ConstantTensor(shape: [3], values: [-1, 1, 2])])
        #expect(G.refusal(narrower)?.contains("as long as the data in every axis but 2") == true)
    }
}
