import Testing
@testable import BerthCore

/// Reshape, Flatten, Squeeze, Unsqueeze, Transpose and Concat: the values each moves where ONNX says, and the
/// shapes each refuses.
@Suite struct ShapeKernelTests {
    typealias G = GraphTesting

    static func shape(_ values: [Float]) -> ConstantTensor { ConstantTensor(shape: [values.count], values: values) }

    /// x [N, 6] → Reshape [0, 2, 3] → Transpose [0, 2, 1] → Flatten 1: each row's 2×3 matrix, transposed.
    @Test func transposeMovesTheValuesOfEveryRow() throws {
        let nodes = [
            G.node(.reshape(allowZero: false), [G.input, "s"], outputs: ["m"], name: "reshape"),
            G.node(.transpose(permutation: [0, 2, 1]), ["m"], outputs: ["t"], name: "transpose"),
            G.node(.flatten(axis: 1), ["t"]),
        ]
        let graph = G.graph(nodes, features: 6, constants: ["s": Self.shape([0, 2, 3])])
        let rows: [[Float]] = [[1, 2, 3, 4, 5, 6], [10, 20, 30, 40, 50, 60]]
        // [[a, b, c], [d, e, f]] transposed is [[a, d], [b, e], [c, f]].
        G.expectClose(try G.run(graph, rows), rows.map { r in [r[0], r[3], r[1], r[4], r[2], r[5]] })
    }

    /// The same transpose with axes of length 1 among the others (which the kernel leaves out of its index
    /// arithmetic): [N, 1, 2, 1, 3] permuted [0, 4, 3, 2, 1] holds each row's matrix transposed.
    @Test func transposeWithAxesOfLengthOne() throws {
        let nodes = [
            G.node(.reshape(allowZero: false), [G.input, "s"], outputs: ["m"], name: "reshape"),
            G.node(.transpose(permutation: [0, 4, 3, 2, 1]), ["m"], outputs: ["t"], name: "transpose"),
            G.node(.flatten(axis: 1), ["t"]),
        ]
        let graph = G.graph(nodes, features: 6, constants: ["s": Self.shape([0, 1, 2, 1, 3])])
        let rows: [[Float]] = [[1, 2, 3, 4, 5, 6], [10, 20, 30, 40, 50, 60]]
        #expect(try G.run(graph, rows) == rows.map { r in [r[0], r[3], r[1], r[4], r[2], r[5]] })
    }

    @Test(arguments: [[Float]([-1, 3]), [0, 3], [0, -1], [-1, 1, 3]])
    func reshapeInfersOneDimensionAndCopiesZeros(_ target: [Float]) throws {
        let nodes = [G.node(.reshape(allowZero: false), [G.input, "s"], outputs: ["r"], name: "reshape"), G.node(.flatten(axis: 1), ["r"])]
        let rows: [[Float]] = [[1, 2, 3], [4, 5, 6]]
        G.expectClose(try G.run(G.graph(nodes, features: 3, constants: ["s": Self.shape(target)]), rows), rows, "\(target)")
    }

    @Test func reshapesThatMoveTheBatchOrChangeTheSizeAreRefused() {
        for (target, words) in [([Float](arrayLiteral: 3, -1), "batch"), ([0, 4], "sizes differ"), ([0, -1, -1], "cannot infer"), ([0, 2.5], "not a dimension")] {
            let graph = G.graph([G.node(.reshape(allowZero: false), [G.input, "s"], name: "r1")], features: 3, constants: ["s": Self.shape(target)])
            let reason = G.refusal(graph) ?? ""
            #expect(reason.contains(words) && reason.contains("r1"), "\(target): \(reason)")
        }
    }

    @Test func unsqueezeThenSqueezeGiveTheRowsBack() throws {
        let nodes = [
            G.node(.unsqueeze(axes: [1, 3]), outputs: ["u"], name: "unsqueeze"),  // [N, 1, 4, 1]
            G.node(.squeeze(axes: [3]), ["u"], outputs: ["s"], name: "squeeze3"),  // [N, 1, 4]
            G.node(.squeeze(axes: nil), ["s"]),                                      // [N, 4]: every size-1 axis
        ]
        G.expectClose(try G.run(G.graph(nodes, features: 4), G.rows), G.rows)
    }

    @Test func axesMayComeFromAConstantInput() throws {
        let nodes = [G.node(.unsqueeze(axes: nil), [G.input, "a"], outputs: ["u"], name: "unsqueeze"), G.node(.squeeze(axes: nil), ["u", "a"])]
        G.expectClose(try G.run(G.graph(nodes, features: 4, constants: ["a": Self.shape([2])]), G.rows), G.rows)
    }

    @Test func squeezingAnAxisLongerThanOneIsRefused() {
        let reason = G.refusal(G.graph([G.node(.squeeze(axes: [1]), name: "sq")], features: 4)) ?? ""
        #expect(reason.contains("sq") && reason.contains("size 4"), "\(reason)")
    }

    @Test func concatJoinsAlongTheFeatureAxis() throws {
        let nodes = [G.node(.relu, outputs: ["r"], name: "relu"), G.node(.concat(axis: 1), [G.input, "r", "c"])]
        let graph = G.graph(nodes, features: 4, constants: ["c": ConstantTensor(shape: [1, 2], values: [7, 8])])
        // A [1, 2] constant does not carry the batch: Concat needs every input's other dimensions to match.
        #expect(G.refusal(graph)?.contains("Concat") == true)
        let computed = G.graph(nodes.dropLast() + [G.node(.concat(axis: -1), [G.input, "r"])], features: 4)
        G.expectClose(try G.run(computed, G.rows), G.rows.map { $0 + $0.map { max($0, 0) } })
    }

    @Test func transposingTheBatchAwayIsRefused() {
        let reason = G.refusal(G.graph([G.node(.transpose(permutation: [1, 0]), name: "t0")], features: 4)) ?? ""
        #expect(reason.contains("moves the batch"), "\(reason)")
    }

    @Test func flattenAtAxisZeroWouldFoldTheBatchAndIsRefused() {
        let reason = G.refusal(G.graph([G.node(.flatten(axis: 0), name: "f0")], features: 4)) ?? ""
        #expect(reason.contains("fold the batch"), "\(reason)")
    }
}
