import Foundation
import Testing
@testable import BerthCore

/// Builds small operator graphs by hand and runs them through the CPU backend, as an ONNX model's graph runs.
enum GraphTesting {
    /// The graph's input tensor.
    static let input = "x"

    /// A graph of `nodes` over an input of `features` columns, answering `output`.
    static func graph(_ nodes: [OperatorNode], features: Int, constants: [String: ConstantTensor] = [:], output: String = "y") -> OperatorGraph {
        OperatorGraph(featureCount: features, input: input, nodes: nodes, constants: constants, output: output)
    }

    /// One node `operation` reading `inputs` (the graph input unless named) and writing `y`.
    static func node(_ operation: GraphOperation, _ inputs: [String] = [input], outputs: [String] = ["y"], name: String = "n") -> OperatorNode {
        OperatorNode(name: name, operation: operation, inputs: inputs, outputs: outputs)
    }

    static func compile(_ graph: OperatorGraph) throws -> CPUGraphModel {
        try #require(try CPUBackend(parallelism: RowParallelism(threadCount: 1)).compile(.graph(graph)) as? CPUGraphModel)
    }

    /// Each row's outputs for `rows`, predicted as one batch.
    static func run(_ graph: OperatorGraph, _ rows: [[Float]]) throws -> [[Float]] {
        let model = try compile(graph)
        let predictions = model.predict(FeatureBatch(rowCount: rows.count, columnCount: graph.featureCount, values: rows.flatMap { $0 }))
        return (0..<rows.count).map { row in
            Array(predictions.values[row * predictions.columnCount ..< (row + 1) * predictions.columnCount])
        }
    }

    /// The reason the graph is refused at load; nil (and a recorded issue) when it compiles.
    static func refusal(_ graph: OperatorGraph) -> String? {
        do {
            _ = try CPUBackend().compile(.graph(graph))
            Issue.record("the graph compiled")
            return nil
        } catch {
            return error.reason
        }
    }

    /// `got` equals `want` within 1e-5 relative (NaN equals NaN, an infinity itself).
    static func expectClose(_ got: [[Float]], _ want: [[Float]], _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.map(\.count) == want.map(\.count), "\(label): shapes \(got.map(\.count)) vs \(want.map(\.count))", sourceLocation: sourceLocation)
        for (row, (gotRow, wantRow)) in zip(got, want).enumerated() {
            for (column, (value, expected)) in zip(gotRow, wantRow).enumerated()
            where value != expected && !(value.isNaN && expected.isNaN) && !(abs(value - expected) <= 1e-5 * max(1, abs(expected))) {
                Issue.record("\(label) [\(row), \(column)]: \(value), expected \(expected)", sourceLocation: sourceLocation)
                return
            }
        }
    }

    /// Rows with negatives, zero, fractions and a large value, for the elementwise and row-wise operators.
    static let rows: [[Float]] = [[-2, -0.5, 0, 1.5], [3, 0.25, -1, 8], [0, 0, 0, 0]]
}
