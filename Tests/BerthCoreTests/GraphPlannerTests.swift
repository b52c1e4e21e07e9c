import BerthTestSupport
import Foundation
import Testing
@testable import BerthCore

/// What the planner decides once at load: which nodes run per batch and which are folded into constants, which
/// arena slot each tensor gets and when a slot is reused, and which graphs it refuses, naming the node.
@Suite struct GraphPlannerTests {
    typealias G = GraphTesting

    @Test func aChainOfOperatorsReusesTwoSlots() throws {
        // x → relu → sigmoid → tanh → relu: each step's input is dead once it has run, so two slots alternate.
        let nodes = [G.node(.relu, outputs: ["a"], name: "1"), G.node(.sigmoid, ["a"], outputs: ["b"], name: "2"),
                     G.node(.tanh, ["b"], outputs: ["c"], name: "3"), G.node(.relu, ["c"], name: "4")]
        let model = try G.compile(G.graph(nodes, features: 4))
        #expect(model.slotWidths == [4, 4])
        #expect(model.steps.count == 4)
    }

    @Test func aTensorStillToBeReadKeepsItsSlot() throws {
        // x is read again by the last node, so the first step's output cannot reuse x's slot.
        let nodes = [G.node(.relu, outputs: ["a"], name: "1"), G.node(.sigmoid, ["a"], outputs: ["b"], name: "2"),
                     G.node(.add, [G.input, "b"], name: "3")]
        let model = try G.compile(G.graph(nodes, features: 4))
        #expect(model.slotWidths.count == 3)
        let expected = G.rows.map { x in x.map { value -> Float in value + 1 / (1 + expf(-max(value, 0))) } }
        G.expectClose(try G.run(G.graph(nodes, features: 4), G.rows), expected)
    }

    @Test func aConstantSubgraphIsComputedOnceAtLoad() throws {
        // Transpose of a constant [2, 4] to [4, 2], then MatMul by it: only the MatMul runs per batch.
        let transposed: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]  // rows of B: [1, 2, 3, 4] and [5, 6, 7, 8]
        let nodes = [G.node(.transpose(permutation: [1, 0]), ["b"], outputs: ["w"], name: "t"), G.node(.matMul, [G.input, "w"], name: "m")]
        let graph = G.graph(nodes, features: 4, constants: ["b": ConstantTensor(shape: [2, 4], values: transposed)])
        let model = try G.compile(graph)
        #expect(model.steps.count == 1)
        G.expectClose(try G.run(graph, G.rows), G.rows.map { x in
            [zip(x, transposed[0..<4]).reduce(0) { $0 + $1.0 * $1.1 }, zip(x, transposed[4..<8]).reduce(0) { $0 + $1.0 * $1.1 }]
        })
    }

    @Test func viewsShareTheirInputsSlot() throws {
        let nodes = [G.node(.relu, outputs: ["a"], name: "1"), G.node(.identity, ["a"], outputs: ["b"], name: "2"),
                     G.node(.flatten(axis: 1), ["b"], name: "3")]
        let model = try G.compile(G.graph(nodes, features: 4))
        let slots = model.steps.map { step -> Int? in if case .slot(let index, _) = step.outputs[0] { index } else { nil } }
        #expect(slots[0] != nil && slots[0] == slots[1] && slots[1] == slots[2], "\(slots)")
        G.expectClose(try G.run(G.graph(nodes, features: 4), G.rows), G.rows.map { $0.map { max($0, 0) } })
    }

    @Test func batchesOfOneAndOfManyRowsAgree() throws {
        let nodes = [G.node(.gemm(alpha: 1, beta: 1, transA: false, transB: false), [G.input, "w", "c"], outputs: ["h"], name: "dense"),
                     G.node(.relu, ["h"], outputs: ["r"], name: "relu"), G.node(.softmax(axis: 1, legacy: false), ["r"], name: "softmax")]
        var generator = SplitMix(seed: 11)
        func random() -> Float { Float(Int(generator.next() % 2001) - 1000) / 250 }
        let graph = G.graph(nodes, features: 4, constants: ["w": ConstantTensor(shape: [4, 3], values: (0..<12).map { _ in random() }),
                                                            "c": ConstantTensor(shape: [3], values: [0.1, -0.2, 0.3])])
        let rows = (0..<300).map { _ in (0..<4).map { _ in random() } }
        let together = try G.run(graph, rows)
        let alone = try rows.map { try G.run(graph, [$0])[0] }
        G.expectClose(together, alone)
    }

    /// A graph whose rows take 800 KB of arena each runs a 200-row request in blocks of rows that fit
    /// `CPUGraphModel.arenaBytes`; every row's answer is the one it gets alone.
    @Test func aRequestTooWideForOneArenaRunsInBlocksWithTheSameAnswers() throws {
        let width = 50_000
        let nodes = [G.node(.unsqueeze(axes: [1]), outputs: ["column"], name: "u"),
                     G.node(.multiply, ["column", "c"], outputs: ["wide"], name: "m"),
                     G.node(.argMax(axis: 1, keepDims: false, selectLastIndex: false), ["wide"], name: "a")]
        var generator = SplitMix(seed: 5)
        func random() -> Float { Float(Int(generator.next() % 2001) - 1000) / 250 }
        let graph = G.graph(nodes, features: 4, constants: ["c": ConstantTensor(shape: [width, 1], values: (0..<width).map { _ in random() })])
        let model = try G.compile(graph)
        #expect(model.blockRows < 100, "an 800 KB row leaves room for \(model.blockRows) rows in one arena")
        let rows = (0..<200).map { _ in (0..<4).map { _ in random() } }
        #expect(rows.count > 2 * model.blockRows, "the request spans at least three blocks")
        let together = try G.run(graph, rows)
        let alone = try rows.map { try G.run(graph, [$0])[0] }
        #expect(together == alone)
        #expect(Set(together.flatMap { $0 }).count > 1, "answers differ by row")
    }

    /// Split among cores, a request wider than one arena runs each core's rows in arenas of `blockRows` / cores rows:
    /// a k-NN graph's 30,000 distances a row over 3 threads, each row's answer the one it gets alone.
    @Test func aSplitRequestTooWideForOneArenaRunsEachCoresRowsInSmallerArenas() throws {
        var generator = SplitMix(seed: 11)
        func random() -> Float { Float(Int(generator.next() % 2001) - 1000) / 250 }
        let references = (0..<60_000).map { _ in random() }
        let graph = G.graph([G.node(.neighborDistances(.squaredEuclidean), [G.input, "r"], outputs: ["d"], name: "d"),
                             G.node(.topK(axis: 1, largest: false), ["d", "k"], outputs: ["v", "i"], name: "t"),
                             G.node(.concat(axis: 1), ["v", "i"], name: "c")],
                            features: 2, constants: ["r": ConstantTensor(shape: [30_000, 2], values: references),
                                                     "k": ConstantTensor(shape: [1], values: [3])])
        let parallelism = RowParallelism(threadCount: 3, minimumParallelWork: 1, splitsOnlyWhenCoresAreFree: false)
        let model = try #require(try CPUBackend(parallelism: parallelism).compile(.graph(graph)) as? CPUGraphModel)
        let rows = (0..<(2 * model.blockRows + 7)).map { _ in [random(), random()] }
        #expect(model.parallelWorkPerRow != nil && model.blockRows < 600, "\(model.blockRows) rows a block")
        let together = model.predict(FeatureBatch(rowCount: rows.count, columnCount: 2, values: rows.flatMap { $0 }))
        let alone = try G.compile(graph)
        for (index, row) in rows.enumerated() {
            let one = alone.predict(FeatureBatch(rowCount: 1, columnCount: 2, values: row)).values
            guard Array(together.values[(index * 6)..<((index + 1) * 6)]) == one else {
                Issue.record("row \(index): \(together.values[(index * 6)..<((index + 1) * 6)]) alone \(one)")
                return
            }
        }
    }

    /// Five tensors of 2²⁴ values a row alive at once would take 320 MiB of arena a row: refused at load.
    @Test func aGraphWhoseRowsTakeMoreThanTheArenaAllowsIsRefused() {
        let wide = ["m1", "m2", "m3", "m4"].map { G.node(.multiply, ["column", "c"], outputs: [$0], name: $0) }
        let nodes = [G.node(.unsqueeze(axes: [1]), outputs: ["column"], name: "u")] + wide
            + [G.node(.add, ["m1", "m2"], outputs: ["s1"], name: "s1"), G.node(.add, ["m3", "m4"], outputs: ["s2"], name: "s2"),
               G.node(.add, ["s1", "s2"], outputs: ["s"], name: "s"),
               G.node(.argMax(axis: 1, keepDims: false, selectLastIndex: false), ["s"], name: "a")]
        let constant = ConstantTensor(shape: [1 << 22, 1], values: [Float](repeating: 1, count: 1 << 22))
        let reason = G.refusal(G.graph(nodes, features: 4, constants: ["c": constant])) ?? ""
        #expect(reason.contains("take more than \(CPUGraphModel.maxRowWidth) values a row"), "\(reason)")
    }

    @Test func unknownTensorsWrongInputCountsAndConstantAnswersAreRefused() {
        let unknown = G.refusal(G.graph([G.node(.relu, ["nowhere"], name: "r")], features: 4)) ?? ""
        #expect(unknown.contains("'nowhere'") && unknown.contains("before any node writes it"), "\(unknown)")
        let inputs = G.refusal(G.graph([G.node(.add, [G.input], name: "lonely_add")], features: 4)) ?? ""
        #expect(inputs.contains("lonely_add") && inputs.contains("1 inputs"), "\(inputs)")
        let constant = G.refusal(G.graph([], features: 4, constants: ["y": ConstantTensor(shape: [1, 2], values: [1, 2])])) ?? ""
        #expect(constant.contains("computed from the input"), "\(constant)")
    }

    /// Broadcasting a column of constants against a row of them folds, at load, into their product: 2⁴⁰ floats
    /// from two 4 MB constants. A computed tensor larger than every constant and than `computedElements` is refused
    /// before anything is allocated.
    @Test func aComputedTensorFarLargerThanItsConstantsIsRefused() {
        for side in [4_097, 1 << 20] {
            let constants = ["column": ConstantTensor(shape: [side, 1], values: [Float](repeating: 1, count: side)),
                             "row": ConstantTensor(shape: [1, side], values: [Float](repeating: 2, count: side))]
            let graph = G.graph([G.node(.add, ["column", "row"], outputs: ["grid"], name: "outer_sum"), G.node(.add, [G.input, "grid"], name: "a")],
                                features: 4, constants: constants)
            let reason = G.refusal(graph) ?? ""
            #expect(reason.contains("outer_sum") && reason.contains("more than \(GraphPlanner.computedElements) values"), "\(side): \(reason)")
        }
    }

    /// Each fold of a [4096, 1] and a [1, 4096] constant into their [4096, 4096] sum is within the limit on one
    /// tensor; the second would take what folding adds past its budget for the whole graph, and is refused.
    @Test func foldsAreBoundedForTheWholeGraph() {
        let constants = ["column": ConstantTensor(shape: [4_096, 1], values: [Float](repeating: 1, count: 4_096)),
                         "row": ConstantTensor(shape: [1, 4_096], values: [Float](repeating: 2, count: 4_096))]
        let folds = ["grid1", "grid2"].map { G.node(.add, ["column", "row"], outputs: [$0], name: $0) }
        let graph = G.graph(folds + [G.node(.add, ["grid1", "grid2"], outputs: ["grid"], name: "sum"), G.node(.add, [G.input, "grid"], name: "a")],
                            features: 4_096, constants: constants)
        let reason = G.refusal(graph) ?? ""
        #expect(reason.contains("grid2") && reason.contains("would compute more values at load than the model allows"), "\(reason)")
    }

    @Test func aConstantWhereTheKernelNeedsOneIsRequired() {
        let reason = G.refusal(G.graph([G.node(.relu, outputs: ["s"], name: "r"), G.node(.reshape(allowZero: false), [G.input, "s"], name: "reshape_1")],
                                       features: 4)) ?? ""
        #expect(reason.contains("reshape_1") && reason.contains("constant"), "\(reason)")
    }
}
