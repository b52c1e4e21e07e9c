import BerthTestSupport
import Testing
@testable import BerthCore

/// The planner folds an Add of a constant row and an activation (Relu, LeakyRelu, Sigmoid, Tanh) straight after a
/// MatMul or Gemm into the dense layer.
/// Each folded graph is checked bit for bit against the same graph with an Identity between its nodes, which keeps
/// them apart and so runs the separate Add and Relu kernels; and folding must leave alone any tensor the rest of the
/// graph still reads.
@Suite struct DenseFusionTests {
    typealias G = GraphTesting

    static let features = 5
    static let columns = 19

    /// Weights, a row to add, another to use as Gemm's C, and rows with a NaN and an exact zero.
    static let constants: [String: ConstantTensor] = {
        var generator = SplitMix(seed: 29)
        func random() -> Float { Float(Int(generator.next() % 2001) - 1000) / 250 }
        return ["w": ConstantTensor(shape: [features, columns], values: (0..<features * columns).map { _ in random() }),
                "b": ConstantTensor(shape: [columns], values: (0..<columns).map { _ in random() }),
                "b2": ConstantTensor(shape: [1, columns], values: (0..<columns).map { _ in random() }),
                "half": ConstantTensor(shape: [], values: [0.5]),
                "c": ConstantTensor(shape: [columns], values: (0..<columns).map { _ in random() })]
    }()

    static let rows: [[Float]] = {
        var generator = SplitMix(seed: 31)
        var rows = (0..<70).map { _ in (0..<features).map { _ in Float(Int(generator.next() % 2001) - 1000) / 250 } }
        rows[3][2] = .nan
        rows[4] = [Float](repeating: 0, count: features)
        return rows
    }()

    static let gemm = GraphOperation.gemm(alpha: 1, beta: 1, transA: false, transB: false)

    /// The graph's steps, and whether it answers bit for bit as the graph with the nodes kept apart does.
    func stepsAndSameAnswers(_ nodes: [OperatorNode], apart: [OperatorNode]) throws -> (Int, Bool) {
        let fused = G.graph(nodes, features: Self.features, constants: Self.constants)
        let separate = G.graph(apart, features: Self.features, constants: Self.constants)
        let got = try G.run(fused, Self.rows).flatMap { $0 }.map(\.bitPattern)
        let want = try G.run(separate, Self.rows).flatMap { $0 }.map(\.bitPattern)
        return (try G.compile(fused).steps.count, got == want && !got.isEmpty)
    }

    @Test func matMulAddReluBecomesOneStep() throws {
        let (steps, same) = try stepsAndSameAnswers(
            [G.node(.matMul, [G.input, "w"], outputs: ["m"]), G.node(.add, ["m", "b"], outputs: ["s"]), G.node(.relu, ["s"])],
            apart: [G.node(.matMul, [G.input, "w"], outputs: ["m"]), G.node(.identity, ["m"], outputs: ["m1"]),
                    G.node(.add, ["m1", "b"], outputs: ["s"]), G.node(.identity, ["s"], outputs: ["s1"]), G.node(.relu, ["s1"])])
        #expect(steps == 1)
        #expect(same)
    }

    @Test func theRowMayComeFirstBeOneRowOrBeOneValue() throws {
        for (add, row) in [(G.node(.add, ["b2", "m"]), "b2"), (G.node(.add, ["m", "half"]), "half")] {
            let (steps, same) = try stepsAndSameAnswers(
                [G.node(.matMul, [G.input, "w"], outputs: ["m"]), add],
                apart: [G.node(.matMul, [G.input, "w"], outputs: ["m"]), G.node(.identity, ["m"], outputs: ["m1"]),
                        G.node(.add, add.inputs.map { $0 == "m" ? "m1" : $0 })])
            #expect(steps == 1, "\(row)")
            #expect(same, "\(row)")
        }
    }

    @Test func gemmReluAndGemmAddReluBecomeOneStep() throws {
        let (steps, same) = try stepsAndSameAnswers(
            [G.node(Self.gemm, [G.input, "w", "c"], outputs: ["h"]), G.node(.relu, ["h"])],
            apart: [G.node(Self.gemm, [G.input, "w", "c"], outputs: ["h"]), G.node(.identity, ["h"], outputs: ["h1"]), G.node(.relu, ["h1"])])
        #expect(steps == 1)
        #expect(same)
        // After C starts each sum, the Add is still its own rounding, as it was as a step of its own.
        for inputs in [[G.input, "w", "c"], [G.input, "w"]] {
            let (fused, sameWithAdd) = try stepsAndSameAnswers(
                [G.node(Self.gemm, inputs, outputs: ["h"]), G.node(.add, ["h", "b"], outputs: ["s"]), G.node(.relu, ["s"])],
                apart: [G.node(Self.gemm, inputs, outputs: ["h"]), G.node(.identity, ["h"], outputs: ["h1"]),
                        G.node(.add, ["h1", "b"], outputs: ["s"]), G.node(.identity, ["s"], outputs: ["s1"]), G.node(.relu, ["s1"])])
            #expect(fused == 1, "\(inputs)")
            #expect(sameWithAdd, "\(inputs)")
        }
    }

    @Test(arguments: [GraphOperation.leakyRelu(alpha: 0.2), .sigmoid, .tanh])
    func everyActivationFoldsAndAnswersAsItsOwnStep(_ activation: GraphOperation) throws {
        let (steps, same) = try stepsAndSameAnswers(
            [G.node(.matMul, [G.input, "w"], outputs: ["m"]), G.node(.add, ["m", "b"], outputs: ["s"]), G.node(activation, ["s"])],
            apart: [G.node(.matMul, [G.input, "w"], outputs: ["m"]), G.node(.identity, ["m"], outputs: ["m1"]),
                    G.node(.add, ["m1", "b"], outputs: ["s"]), G.node(.identity, ["s"], outputs: ["s1"]), G.node(activation, ["s1"])])
        #expect(steps == 1, "\(activation)")
        #expect(same, "\(activation)")
        let (gemmSteps, gemmSame) = try stepsAndSameAnswers(
            [G.node(Self.gemm, [G.input, "w", "c"], outputs: ["h"]), G.node(activation, ["h"])],
            apart: [G.node(Self.gemm, [G.input, "w", "c"], outputs: ["h"]), G.node(.identity, ["h"], outputs: ["h1"]), G.node(activation, ["h1"])])
        #expect(gemmSteps == 1, "\(activation)")
        #expect(gemmSame, "\(activation)")
    }

    @Test func aTensorReadElsewhereIsNotFoldedAway() throws {
        // The sum before Relu is also added to the answer, so it must still be there: only the Add folds in.
        let nodes = [G.node(.matMul, [G.input, "w"], outputs: ["m"]), G.node(.add, ["m", "b"], outputs: ["s"]),
                     G.node(.relu, ["s"], outputs: ["r"]), G.node(.add, ["r", "s"])]
        let (steps, same) = try stepsAndSameAnswers(nodes, apart: [
            G.node(.matMul, [G.input, "w"], outputs: ["m"]), G.node(.identity, ["m"], outputs: ["m1"]), G.node(.add, ["m1", "b"], outputs: ["s"]),
            G.node(.identity, ["s"], outputs: ["s1"]), G.node(.relu, ["s1"], outputs: ["r"]), G.node(.add, ["r", "s"])])
        #expect(steps == 3)
        #expect(same)
        // The MatMul's product is the graph's answer: nothing folds.
        let answered = G.graph([G.node(.matMul, [G.input, "w"]), G.node(.relu, ["y"], outputs: ["unused"])],
                               features: Self.features, constants: Self.constants)
        #expect(try G.compile(answered).steps.count == 2)
    }

    @Test func anAddThatIsNotOneRowStaysApart() throws {
        // [2, columns] and [columns, 1] broadcast against the batch, which the Add refuses; folded, they would have
        // loaded and answered something else.
        for shape in [[2, Self.columns], [Self.columns, 1]] {
            var constants = Self.constants
            constants["other"] = ConstantTensor(shape: shape, values: [Float](repeating: 1, count: shape.reduce(1, *)))
            let graph = G.graph([G.node(.matMul, [G.input, "w"], outputs: ["m"]), G.node(.add, ["m", "other"])],
                                features: Self.features, constants: constants)
            #expect(G.refusal(graph) != nil, "\(shape)")
        }
        // A computed addend is no constant: it does not fold.
        var constants = Self.constants
        constants["square"] = ConstantTensor(shape: [Self.columns, Self.columns], values: [Float](repeating: 1, count: Self.columns * Self.columns))
        let computed = G.graph([G.node(.matMul, [G.input, "w"], outputs: ["m"]), G.node(.relu, ["m"], outputs: ["r"]),
                                G.node(.matMul, ["r", "square"], outputs: ["q"]), G.node(.add, ["q", "r"])],
                               features: Self.features, constants: constants)
        #expect(try G.compile(computed).steps.count == 3, "the first MatMul takes its Relu; the Add of two computed tensors stays")
    }
}
