import Foundation
import Testing
@testable import BerthCore

/// Softmax, LogSoftmax and ArgMax: the axis rules of each opset, against the definitions written out here.
@Suite struct SoftmaxKernelTests {
    typealias G = GraphTesting

    static func softmax(_ values: [Float]) -> [Float] {
        let largest = Double(values.max()!)
        let exponentials = values.map { exp(Double($0) - largest) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { Float($0 / total) }
    }

    @Test func softmaxAndLogSoftmaxOverTheFeatures() throws {
        for legacy in [false, true] {
            G.expectClose(try G.run(G.graph([G.node(.softmax(axis: 1, legacy: legacy))], features: 4), G.rows),
                          G.rows.map(Self.softmax), "softmax legacy=\(legacy)")
            G.expectClose(try G.run(G.graph([G.node(.logSoftmax(axis: -1, legacy: legacy))], features: 4), G.rows),
                          G.rows.map { Self.softmax($0).map(logf) }, "logSoftmax legacy=\(legacy)")
        }
    }

    /// On x viewed as [N, 2, 2]: opset 13 normalizes along axis 1 alone (pairs (x0, x2) and (x1, x3)); before 13 the
    /// tensor is flattened to [N, 4] at axis 1, so all four values share one softmax.
    @Test func theOpsetDecidesWhatAnAxisBeforeTheLastMeans() throws {
        func graph(legacy: Bool) -> OperatorGraph {
            G.graph([G.node(.reshape(allowZero: false), [G.input, "s"], outputs: ["m"], name: "reshape"),
                     G.node(.softmax(axis: 1, legacy: legacy), ["m"], outputs: ["p"], name: "softmax"),
                     G.node(.flatten(axis: 1), ["p"])],
                    features: 4, constants: ["s": ConstantTensor(shape: [3], values: [0, 2, 2])])
        }
        G.expectClose(try G.run(graph(legacy: true), G.rows), G.rows.map(Self.softmax), "opset 12")
        G.expectClose(try G.run(graph(legacy: false), G.rows), G.rows.map { x in
            let even = Self.softmax([x[0], x[2]]), odd = Self.softmax([x[1], x[3]])
            return [even[0], odd[0], even[1], odd[1]]
        }, "opset 13")
    }

    @Test func argMaxTakesTheFirstOrTheLastOfTiedMaxima() throws {
        let rows: [[Float]] = [[1, 5, 5, 2], [9, 0, 9, 9], [-1, -2, -3, -4]]
        let first = G.graph([G.node(.argMax(axis: 1, keepDims: true, selectLastIndex: false))], features: 4)
        let last = G.graph([G.node(.argMax(axis: -1, keepDims: false, selectLastIndex: true))], features: 4)
        G.expectClose(try G.run(first, rows), [[1], [0], [0]], "first")
        G.expectClose(try G.run(last, rows), [[2], [3], [0]], "last")
    }

    @Test func normalizingOverTheBatchIsRefused() {
        #expect(G.refusal(G.graph([G.node(.softmax(axis: 0, legacy: false), name: "sm")], features: 4))?.contains("batch") == true)
        // A [N] tensor (an ArgMax without its kept axis) normalised along its only axis mixes the rows of a batch.
        let picked = G.node(.argMax(axis: 1, keepDims: false, selectLastIndex: false), outputs: ["picked"], name: "am")
        #expect(G.refusal(G.graph([picked, G.node(.softmax(axis: -1, legacy: false), ["picked"], name: "sm")], features: 4))?
            .contains("batch") == true)
        #expect(G.refusal(G.graph([G.node(.argMax(axis: 0, keepDims: true, selectLastIndex: false), name: "am")], features: 4))?
            .contains("batch") == true)
    }
}
