import BerthTestSupport
import Testing
@testable import BerthCore

/// A graph of dense layers runs a large batch as one block of rows per core, each through every step
/// (`CPUGraphModel.predictSplitAcrossCores`); a graph with a forest leaves the split to its kernels. Either way a
/// row's answer is the one it gets alone, bit for bit.
@Suite struct GraphSplitTests {
    typealias G = GraphTesting

    static let features = 6
    static let hidden = 40

    static func mlp() -> OperatorGraph {
        var generator = SplitMix(seed: 43)
        func random() -> Float { Float(Int(generator.next() % 2001) - 1000) / 700 }
        let nodes = [G.node(.matMul, [G.input, "w1"], outputs: ["m"]), G.node(.add, ["m", "b1"], outputs: ["s"]),
                     G.node(.relu, ["s"], outputs: ["r"]), G.node(.gemm(alpha: 1, beta: 1, transA: false, transB: false), ["r", "w2", "b2"], outputs: ["h"]),
                     G.node(.softmax(axis: 1, legacy: false), ["h"])]
        return G.graph(nodes, features: features, constants: [
            "w1": ConstantTensor(shape: [features, hidden], values: (0..<features * hidden).map { _ in random() }),
            "b1": ConstantTensor(shape: [hidden], values: (0..<hidden).map { _ in random() }),
            "w2": ConstantTensor(shape: [hidden, 3], values: (0..<hidden * 3).map { _ in random() }),
            "b2": ConstantTensor(shape: [3], values: [0.1, -0.2, 0.3])])
    }

    @Test func aSplitBatchAnswersEachRowAsItsRowAlone() throws {
        let graph = Self.mlp()
        let split = RowParallelism(threadCount: 4, minimumParallelWork: 1, splitsOnlyWhenCoresAreFree: false)
        let model = try #require(try CPUBackend(parallelism: split).compile(.graph(graph)) as? CPUGraphModel)
        // The layers' multiply-adds, in 64s, and the Softmax's exponential for each of its 3 values.
        #expect(model.parallelWorkPerRow == (Self.features * Self.hidden) / 64 + (Self.hidden * 3) / 64 + 3 * transcendentalValueWork)
        var generator = SplitMix(seed: 47)
        let rows = (0..<1_001).map { _ in (0..<Self.features).map { _ in Float(Int(generator.next() % 2001) - 1000) / 300 } }
        let batch = model.predict(FeatureBatch(rowCount: rows.count, columnCount: Self.features, values: rows.flatMap { $0 }))
        let alone = try rows.map { try G.run(graph, [$0])[0] }.flatMap { $0 }
        #expect(batch.values.map(\.bitPattern) == alone.map(\.bitPattern))
    }

    /// A graph of activations and no layers (LayerNormalization, then the exact GELU) weighs its values' cost, so a
    /// large batch of it splits too, each row answering as alone; a Relu's values weigh nothing.
    @Test func activationsWeighTheirValues() throws {
        let width = 16
        let constants = ["scale": ConstantTensor(shape: [width], values: (0..<width).map { Float($0 % 5) / 4 + 0.5 })]
        let graph = G.graph([G.node(.layerNormalization(axis: -1, epsilon: 1e-5), [G.input, "scale"], outputs: ["n"], name: "n"),
                             G.node(.unaryMath(.gelu(tanhApproximation: false)), ["n"], outputs: ["g"], name: "g"),
                             G.node(.relu, ["g"], name: "r")], features: width, constants: constants)
        let split = RowParallelism(threadCount: 2, minimumParallelWork: 1, splitsOnlyWhenCoresAreFree: false)
        let model = try #require(try CPUBackend(parallelism: split).compile(.graph(graph)) as? CPUGraphModel)
        #expect(model.parallelWorkPerRow == width * (1 + transcendentalValueWork))
        var generator = SplitMix(seed: 53)
        let rows = (0..<301).map { _ in (0..<width).map { _ in Float(Int(generator.next() % 2001) - 1000) / 300 } }
        let batch = model.predict(FeatureBatch(rowCount: rows.count, columnCount: width, values: rows.flatMap { $0 }))
        let alone = try rows.map { try G.run(graph, [$0])[0] }.flatMap { $0 }
        #expect(batch.values.map(\.bitPattern) == alone.map(\.bitPattern))
    }

    /// A Tanh folded into the layer before it weighs its values as a Tanh step of its own would.
    @Test func aFoldedActivationWeighsItsValues() throws {
        let weights = ConstantTensor(shape: [Self.features, Self.hidden], values: (0..<Self.features * Self.hidden).map { Float($0 % 7) / 7 })
        let nodes = [G.node(.matMul, [G.input, "w"], outputs: ["m"], name: "m"), G.node(.tanh, ["m"], name: "t")]
        let model = try G.compile(G.graph(nodes, features: Self.features, constants: ["w": weights]))
        #expect(model.steps.count == 1, "the Tanh is folded into the layer")
        #expect(model.parallelWorkPerRow == Self.features * Self.hidden / 64 + Self.hidden * transcendentalValueWork)
    }

    @Test func aGraphWithAForestLeavesTheSplitToItsKernels() throws {
        let nodes = [G.node(GraphExplanationTests.stump(), outputs: ["t"]), G.node(.relu, ["t"])]
        let model = try G.compile(G.graph(nodes, features: 2))
        #expect(model.parallelWorkPerRow == nil)
        #expect(try G.compile(Self.mlp()).parallelWorkPerRow != nil)
    }
}
