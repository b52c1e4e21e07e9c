import Foundation
import Testing
@testable import BerthCore

/// ReduceSum and its kin (`ReduceKernel`), and ArrayFeatureExtractor (`ArrayFeatureExtractorKernel`), each against
/// its ONNX definition on numbers worked out here.
@Suite struct ReduceKernelTests {
    typealias G = GraphTesting

    static func reduce(_ reduction: Reduction, axes: [Int]? = [1], keepDims: Bool = true, noop: Bool = false) -> OperatorGraph {
        G.graph([G.node(.reduce(reduction, axes: axes, keepDims: keepDims, noopWithEmptyAxes: noop))], features: 4)
    }

    @Test func eachReductionCombinesARowsValues() throws {
        let rows: [[Float]] = [[1, -2, 3, 0.5], [4, 4, -1, 2]]
        #expect(try G.run(Self.reduce(.sum), rows) == [[2.5], [9]])
        #expect(try G.run(Self.reduce(.mean, keepDims: false), rows) == [[0.625], [2.25]])
        #expect(try G.run(Self.reduce(.maximum), rows) == [[3], [4]])
        #expect(try G.run(Self.reduce(.minimum, axes: [-1]), rows) == [[-2], [-1]])
        #expect(try G.run(Self.reduce(.product), rows) == [[-3], [-32]])
        G.expectClose(try G.run(Self.reduce(.logSumExp), rows), rows.map { row in [Float(log(row.reduce(0.0) { $0 + exp(Double($1)) }))] })
    }

    /// The log-sum-exp subtracts the largest value first: values whose exp overflows a float still give the answer.
    @Test func logSumExpOfLargeValuesIsFinite() throws {
        let got = try G.run(Self.reduce(.logSumExp), [[100, 100, -1e30, 90]])
        G.expectClose(got, [[Float(100 + log(2 + exp(-10.0)))]])
    }

    @Test func aMaximumWithNaNIsNaN() throws {
        #expect(try G.run(Self.reduce(.maximum), [[1, .nan, 3, 2]])[0][0].isNaN)
    }

    /// An axis of a 3-D tensor: [N, 2, 2] summed over the middle axis.
    @Test func aMiddleAxisOfAThreeDimensionalTensor() throws {
        let reshape = G.node(.reshape(allowZero: false), [G.input, "shape"], outputs: ["cube"], name: "reshape")
        let sum = G.node(.reduce(.sum, axes: [1], keepDims: false, noopWithEmptyAxes: false), ["cube"])
        let graph = G.graph([reshape, sum], features: 4, constants: ["shape": ConstantTensor(shape: [3], values: [-1, 2, 2])])
        #expect(try G.run(graph, [[1, 2, 10, 20]]) == [[11, 22]])
    }

    /// Two axes of [N, 2, 2] at once (named twice, which changes nothing), axes from a constant input, and a
    /// reduction of a constant folded at load.
    @Test func severalAxesAxesFromAnInputAndFoldedReductions() throws {
        let reshape = G.node(.reshape(allowZero: false), [G.input, "shape"], outputs: ["cube"], name: "reshape")
        let shape = ConstantTensor(shape: [3], values: [-1, 2, 2])
        let both = G.graph([reshape, G.node(.reduce(.sum, axes: [1, -1, 2], keepDims: false, noopWithEmptyAxes: false), ["cube"])],
                           features: 4, constants: ["shape": shape])
        #expect(try G.run(both, [[1, 2, 10, 20]]) == [[33]])
        let fromInput = G.graph([reshape, G.node(.reduce(.maximum, axes: nil, keepDims: false, noopWithEmptyAxes: false), ["cube", "axes"])],
                                features: 4, constants: ["shape": shape, "axes": ConstantTensor(shape: [1], values: [2])])
        #expect(try G.run(fromInput, [[1, 2, 10, 20]]) == [[2, 20]])
        let computedAxes = G.graph([G.node(.relu, outputs: ["r"], name: "r"),
                                    G.node(.reduce(.sum, axes: nil, keepDims: true, noopWithEmptyAxes: false), [G.input, "r"])], features: 4)
        #expect(G.refusal(computedAxes)?.contains("needs constant axes") == true)
        let folded = G.graph([G.node(.reduce(.sum, axes: [0], keepDims: false, noopWithEmptyAxes: false), ["table"], outputs: ["total"], name: "t"),
                              G.node(.add, [G.input, "total"])],
                             features: 2, constants: ["table": ConstantTensor(shape: [2, 2], values: [1, 2, 3, 4])])
        #expect(try G.run(folded, [[10, 20]]) == [[14, 26]])
    }

    @Test func noAxesReduceEveryAxisUnlessTheyMayNot() throws {
        #expect(G.refusal(Self.reduce(.sum, axes: nil))?.contains("over the batch axis") == true)
        #expect(try G.run(Self.reduce(.sum, axes: nil, noop: true), [[1, 2, 3, 4]]) == [[1, 2, 3, 4]])
        #expect(G.refusal(Self.reduce(.sum, axes: [0]))?.contains("over the batch axis") == true)
        #expect(G.refusal(Self.reduce(.sum, axes: [2]))?.contains("axis 2 is outside") == true)
    }

    @Test func anArrayFeatureExtractorPicksColumnsInTheIndicesOrder() throws {
        let graph = G.graph([G.node(.arrayFeatureExtractor, [G.input, "i"])], features: 4,
                            constants: ["i": ConstantTensor(shape: [3], values: [3, 0, 3])])
        #expect(try G.run(graph, G.rows) == G.rows.map { [$0[3], $0[0], $0[3]] })
        let outside = G.graph([G.node(.arrayFeatureExtractor, [G.input, "i"])], features: 4, constants: ["i": ConstantTensor(shape: [1], values: [4])])
        #expect(G.refusal(outside)?.contains("not all within the last axis of 4") == true)
        let computed = G.graph([G.node(.relu, outputs: ["r"], name: "r"), G.node(.arrayFeatureExtractor, [G.input, "r"])], features: 4)
        #expect(G.refusal(computed)?.contains("by computed indices") == true)
    }
}
