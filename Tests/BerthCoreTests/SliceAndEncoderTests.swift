import Foundation
import Testing
@testable import BerthCore

/// Slice (`SliceKernel`), LpNormalization (`LpNormalizationKernel`) and LabelEncoder (`LabelEncoderKernel`) against
/// their ONNX definitions on numbers worked out here; zero norms and NaN keys as onnxruntime 1.32 answered them.
@Suite struct SliceAndEncoderTests {
    typealias G = GraphTesting

    static func slice(starts: [Float], ends: [Float], axes: [Float]? = nil, steps: [Float]? = nil, features: Int = 6) -> OperatorGraph {
        var constants = ["starts": ConstantTensor(shape: [starts.count], values: starts), "ends": ConstantTensor(shape: [ends.count], values: ends)]
        var inputs = [G.input, "starts", "ends"]
        if let axes { constants["axes"] = ConstantTensor(shape: [axes.count], values: axes); inputs.append("axes") }
        if let steps { constants["steps"] = ConstantTensor(shape: [steps.count], values: steps); inputs.append("steps") }
        return G.graph([G.node(.slice(starts: nil, ends: nil, axes: nil), inputs)], features: features, constants: constants)
    }

    @Test func sliceTakesColumnsByStartEndAndStep() throws {
        let row: [Float] = [10, 11, 12, 13, 14, 15]
        #expect(try G.run(Self.slice(starts: [1], ends: [2], axes: [1]), [row]) == [[11]])
        // INT64_MAX (held as a float) means "to the end"; a negative start counts from it.
        #expect(try G.run(Self.slice(starts: [-2], ends: [9.2e18], axes: [-1]), [row]) == [[14, 15]])
        #expect(try G.run(Self.slice(starts: [0], ends: [6], axes: [1], steps: [2]), [row]) == [[10, 12, 14]])
        #expect(try G.run(Self.slice(starts: [-1], ends: [-9.2e18], axes: [1], steps: [-2]), [row]) == [[15, 13, 11]])
        // The batch axis whole, then the columns.
        #expect(try G.run(Self.slice(starts: [0, 4], ends: [9.2e18, 100], axes: [0, 1]), [row, row]) == [[14, 15], [14, 15]])
    }

    /// Of `[N, 4, 6]`, rows 3 and 1 (a negative step) and every other column: the runs of the last axis strided, their
    /// starts stepping over two axes; and a run longer than a loop copies (20 values), through a Concat of it twice.
    @Test func sliceOfARank3TensorAndLongRuns() throws {
        let constants = ["shape": ConstantTensor(shape: [3], values: [0, 4, 6]), "starts": ConstantTensor(shape: [2], values: [3, 0]),
                         "ends": ConstantTensor(shape: [2], values: [-9.2e18, 6]), "axes": ConstantTensor(shape: [2], values: [1, 2]),
                         "steps": ConstantTensor(shape: [2], values: [-2, 2])]
        let graph = G.graph([G.node(.reshape(allowZero: false), [G.input, "shape"], outputs: ["cube"], name: "reshape"),
                             G.node(.slice(starts: nil, ends: nil, axes: nil), ["cube", "starts", "ends", "axes", "steps"], outputs: ["s"], name: "slice"),
                             G.node(.flatten(axis: 1), ["s"], outputs: ["y"], name: "flatten")], features: 24, constants: constants)
        let rows = [(0..<24).map(Float.init), (100..<124).map(Float.init)]
        #expect(try G.run(graph, rows) == [[18, 20, 22, 6, 8, 10], [118, 120, 122, 106, 108, 110]])
        let long = G.graph([G.node(.slice(starts: [0], ends: [20], axes: [1]), [G.input], outputs: ["s"], name: "slice"),
                            G.node(.concat(axis: 1), ["s", G.input], outputs: ["y"], name: "concat")], features: 22)
        let wide = [(0..<22).map(Float.init), (50..<72).map(Float.init)]
        #expect(try G.run(long, wide) == wide.map { Array($0.prefix(20)) + $0 })
    }

    @Test func sliceRefusesToDropRowsAndAStepOfZero() {
        #expect(G.refusal(Self.slice(starts: [1], ends: [9.2e18], axes: [0]))?.contains("would drop rows of a request") == true)
        #expect(G.refusal(Self.slice(starts: [0], ends: [3], axes: [1], steps: [0]))?.contains("step of 0") == true)
        #expect(G.refusal(Self.slice(starts: [0, 1], ends: [3], axes: [1]))?.contains("2 starts, 1 ends") == true)
    }

    @Test func lpNormalizationDividesByEachNormAndGivesZerosForAZeroOne() throws {
        func normalize(_ order: Int) throws -> [[Float]] {
            try G.run(G.graph([G.node(.lpNormalization(axis: 1, order: order))], features: 3), [[0, 0, 0], [1, -2, 2]])
        }
        #expect(try normalize(1) == [[0, 0, 0], [0.2, -0.4, 0.4]])
        G.expectClose(try normalize(2), [[0, 0, 0], [1.0 / 3, -2.0 / 3, 2.0 / 3]])
        #expect(G.refusal(G.graph([G.node(.lpNormalization(axis: 0, order: 2))], features: 3))?.contains("batch axis") == true)
    }

    @Test func aLabelEncoderMapsKeysAndGivesTheFallbackForAnyOtherValue() throws {
        let graph = G.graph([G.node(.labelEncoder(keys: [1, 5, 7, .nan, 5], values: [10, 50, 70, 99, 55], fallback: -3))], features: 5)
        // A key listed twice keeps its last value; NaN is no key.
        #expect(try G.run(graph, [[5, 1, 2, 7, .nan]]) == [[55, 10, -3, 70, -3]])
    }

    /// ArgMin as onnxruntime 1.32 answered `[3, NaN, 1, 1]`: 2 (a NaN never wins, ties to the first unless the last
    /// is asked for).
    @Test func argMinFindsTheFirstOrLastSmallest() throws {
        func argMin(last: Bool) throws -> [[Float]] {
            try G.run(G.graph([G.node(.argMin(axis: 1, keepDims: false, selectLastIndex: last))], features: 4), [[3, .nan, 1, 1]])
        }
        #expect(try argMin(last: false) == [[2]])
        #expect(try argMin(last: true) == [[3]])
    }
}
