import Foundation
import Testing
@testable import BerthCore

/// The dense operators (Gemm, MatMul) and the `ai.onnx.ml` ones (Scaler, Imputer, Normalizer, LinearRegressor,
/// LinearClassifier, a tree ensemble), each against its definition on hand-checkable numbers.
@Suite struct MLKernelTests {
    typealias G = GraphTesting

    /// W is 4 × 2, row-major: out[r, c] = Σ_k x[r, k] · W[k, c].
    static let weights: [Float] = [1, -1, 0.5, 2, -3, 0, 4, 0.25]

    static func product(_ x: [Float], _ w: [Float], columns: Int) -> [Float] {
        (0..<columns).map { c in (0..<x.count).reduce(Float(0)) { $0 + x[$1] * w[$1 * columns + c] } }
    }

    @Test func matMulMultipliesEveryRowByTheMatrix() throws {
        let graph = G.graph([G.node(.matMul, [G.input, "w"])], features: 4, constants: ["w": ConstantTensor(shape: [4, 2], values: Self.weights)])
        G.expectClose(try G.run(graph, G.rows), G.rows.map { Self.product($0, Self.weights, columns: 2) })
    }

    @Test func gemmScalesByAlphaAndAddsBetaTimesC() throws {
        let bias: [Float] = [10, -20]
        let graph = G.graph([G.node(.gemm(alpha: 0.5, beta: 2, transA: false, transB: false), [G.input, "w", "c"])], features: 4,
                            constants: ["w": ConstantTensor(shape: [4, 2], values: Self.weights), "c": ConstantTensor(shape: [2], values: bias)])
        G.expectClose(try G.run(graph, G.rows), G.rows.map { x in zip(Self.product(x, Self.weights, columns: 2), bias).map { 0.5 * $0 + 2 * $1 } })
    }

    @Test func gemmWithTransBReadsTheMatrixTransposed() throws {
        // B given as [2, 4] with transB: the same product as W [4, 2].
        let transposed = (0..<2).flatMap { c in (0..<4).map { k in Self.weights[k * 2 + c] } }
        let graph = G.graph([G.node(.gemm(alpha: 1, beta: 1, transA: false, transB: true), [G.input, "b", "c"])], features: 4,
                            constants: ["b": ConstantTensor(shape: [2, 4], values: transposed), "c": ConstantTensor(shape: [], values: [1])])
        G.expectClose(try G.run(graph, G.rows), G.rows.map { Self.product($0, Self.weights, columns: 2).map { $0 + 1 } })
    }

    @Test func gemmsItCannotRunAreRefused() {
        let w = ConstantTensor(shape: [4, 2], values: Self.weights)
        #expect(G.refusal(G.graph([G.node(.gemm(alpha: 1, beta: 1, transA: true, transB: false), [G.input, "w"], name: "g")], features: 4,
                                  constants: ["w": w]))?.contains("transA") == true)
        #expect(G.refusal(G.graph([G.node(.gemm(alpha: 1, beta: 1, transA: false, transB: false), [G.input, "w", "c"], name: "g")], features: 4,
                                  constants: ["w": w, "c": ConstantTensor(shape: [3], values: [1, 2, 3])]))?.contains("not a scalar or a row of 2") == true)
        let twoComputed = G.refusal(G.graph([G.node(.matMul, [G.input, G.input], name: "m")], features: 4))
        #expect(twoComputed?.contains("two computed tensors") == true, "\(twoComputed ?? "")")
    }

    @Test func scalerSubtractsThenMultiplies() throws {
        let offset: [Float] = [1, 2, 3, 4], scale: [Float] = [2, 0.5, -1, 0]
        let graph = G.graph([G.node(.scaler(offset: offset, scale: scale))], features: 4)
        G.expectClose(try G.run(graph, G.rows), G.rows.map { x in (0..<4).map { (x[$0] - offset[$0]) * scale[$0] } })
    }

    @Test func imputerReplacesMissingValuesPerFeature() throws {
        let values: [Float] = [10, 20, 30, 40]
        let rows: [[Float]] = [[.nan, 1, .nan, 2], [3, .nan, 4, .nan]]
        let graph = G.graph([G.node(.imputer(values: values, replaced: .nan))], features: 4)
        G.expectClose(try G.run(graph, rows), [[10, 1, 30, 2], [3, 20, 4, 40]])
        let zeros = G.graph([G.node(.imputer(values: values, replaced: 0))], features: 4)
        G.expectClose(try G.run(zeros, [[0, 1, 0, -1]]), [[10, 1, 30, -1]])
    }

    @Test func normalizerDividesEachRowByItsNorm() throws {
        let rows: [[Float]] = [[3, -4, 0, 0], [1, 2, 3, 4]]
        let norms: [(NormalizerNorm, ([Float]) -> Float)] = [
            (.max, { $0.max()! }), (.l1, { $0.reduce(0) { $0 + abs($1) } }), (.l2, { sqrtf($0.reduce(0) { $0 + $1 * $1 }) }),
        ]
        for (norm, divisor) in norms {
            G.expectClose(try G.run(G.graph([G.node(.normalizer(norm))], features: 4), rows), rows.map { x in x.map { $0 / divisor(x) } }, "\(norm)")
        }
        G.expectClose(try G.run(G.graph([G.node(.normalizer(.l2))], features: 4), [[0, 0, 0, 0]]), [[0, 0, 0, 0]], "a zero row stays")
        // L2 as onnxruntime 1.32 computes it, bit for bit: √(x² / Σx²) with x's sign (0.8017836809 where x / √Σx² gives
        // 0.8017837405), NaN where the squares overflow, a row of zeros left as it is (-0 too), -0 among others +0.
        let l2 = try G.run(G.graph([G.node(.normalizer(.l2))], features: 3), [[0.1, 0.2, 0.3], [1e30, -1e30, 0], [-0.0, 0, 0], [-0.0, 1, 2]])
        let expected: [Float] = [0.26726123690605164, 0.5345224738121033, 0.8017836809158325]
        #expect(l2[0] == expected)
        #expect(l2[1][0].isNaN && l2[1][1].isNaN && l2[1][2] == 0)
        #expect(l2[2].map(\.sign) == [.minus, .plus, .plus] && l2[3][0].sign == .plus)
        // The max passes a missing value over (onnxruntime 1.32: [NaN, -1, -2, -3] → [NaN, 1, 2, 3]); a row of them stays.
        G.expectClose(try G.run(G.graph([G.node(.normalizer(.max))], features: 4), [[.nan, -1, -2, -3], [1, .nan, 4, 0], [.nan, .nan, .nan, .nan]]),
                      [[.nan, 1, 2, 3], [0.25, .nan, 1, 0], [.nan, .nan, .nan, .nan]], "missing values")
    }

    /// Coefficients are laid out [output][feature]: scores = X · Wᵀ + intercepts.
    static let linear = LinearModelOperation(coefficients: [1, 0, -1, 0.5, /* output 1 */ 0, 2, 0, -0.25], intercepts: [0.5, -1],
                                             outputCount: 2, postTransform: .none, labelCount: 2)

    static func scores(_ x: [Float]) -> [Float] {
        [x[0] - x[2] + 0.5 * x[3] + 0.5, 2 * x[1] - 0.25 * x[3] - 1]
    }

    @Test func linearRegressorComputesTheScores() throws {
        G.expectClose(try G.run(G.graph([G.node(.linearRegressor(Self.linear))], features: 4), G.rows), G.rows.map(Self.scores))
    }

    @Test func linearClassifierAppliesItsPostTransform() throws {
        var softmax = Self.linear
        softmax.postTransform = .softmax
        G.expectClose(try G.run(G.graph([G.node(.linearClassifier(softmax))], features: 4), G.rows),
                      G.rows.map { SoftmaxKernelTests.softmax(Self.scores($0)) })
        var logistic = Self.linear
        logistic.postTransform = .logistic
        G.expectClose(try G.run(G.graph([G.node(.linearClassifier(logistic))], features: 4), G.rows),
                      G.rows.map { Self.scores($0).map { 1 / (1 + expf(-$0)) } })
    }

    /// onnxruntime's binary case: one coefficient row and two labels answer `[1 - s, s]`.
    @Test func aOneRowBinaryClassifierAnswersTwoColumns() throws {
        let binary = LinearModelOperation(coefficients: [1, 0, -1, 0.5], intercepts: [0.5], outputCount: 1, postTransform: .logistic, labelCount: 2)
        G.expectClose(try G.run(G.graph([G.node(.linearClassifier(binary))], features: 4), G.rows), G.rows.map { x in
            let s = 1 / (1 + expf(-(x[0] - x[2] + 0.5 * x[3] + 0.5)))
            return [1 - s, s]
        })
    }

    @Test func coefficientsThatDoNotSplitIntoTheOutputsAreRefused() {
        let odd = LinearModelOperation(coefficients: [1, 2, 3], intercepts: [], outputCount: 2, postTransform: .none, labelCount: 2)
        #expect(G.refusal(G.graph([G.node(.linearRegressor(odd), name: "lin")], features: 4))?.contains("do not split") == true)
    }

    /// A stump on feature 1 (x1 < 0.5 → 2, else 7; NaN left) in a TreeEnsembleRegressor with a base value and
    /// averaging over 2 trees in the file.
    @Test func aTreeEnsembleNodeAggregatesAndAddsItsBase() throws {
        let tree = DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [1, 0, 0],
                                values: [0.5, 2, 7], defaultLeft: [true, false, false])
        let ensemble = TreeEnsemble(featureCount: 2, groupCount: 1, trees: [tree], treeGroups: [0], baseMargins: [0], transform: .identity)
        let operation = TreeEnsembleOperation(ensemble: ensemble, treeCount: 2, aggregation: .average, baseValues: [100],
                                              postTransform: .none, binaryWidening: nil)
        let rows: [[Float]] = [[9, 0.49, 0, 0], [9, 0.5, 0, 0], [0, .nan, 0, 0]]
        G.expectClose(try G.run(G.graph([G.node(.treeEnsemble(operation))], features: 4), rows), [[101], [103.5], [101]])
    }

    /// SOFTMAX and SOFTMAX_ZERO with onnxruntime's formulas (the numbers below are onnxruntime 1.32's, read off a
    /// LinearClassifier whose scores are its inputs): a missing score makes the sum, so every probability, missing,
    /// and SOFTMAX_ZERO scales the scores within 1e-7 of 0 by e^−largest outside the sum, so a row of zeros divides
    /// by 0.
    @Test func softmaxPostTransformsAnswerAsOnnxruntimeDoes() {
        func transformed(_ transform: ScorePostTransform, _ scores: [Float]) -> [Float] {
            var row = scores
            row.withUnsafeMutableBufferPointer { transform.apply($0) }
            return row
        }
        let missing = transformed(.softmax, [.nan, 0, 1]) + transformed(.softmaxZero, [.nan, .nan, .nan])
        #expect(missing.allSatisfy { $0.isNaN })
        let expected: [Float] = [1, 3.783505853677006e-44, 0]
        #expect(transformed(.softmax, [-100, -200, -300]) == expected)
        let zeros = transformed(.softmaxZero, [0, 0, 0])
        #expect(zeros.allSatisfy { $0.isNaN })
        let nearZero: [Float] = [1.8393972567309902e-08, 1, 0]
        #expect(transformed(.softmaxZero, [5e-8, 1, 0]) == nearZero)
        let third: Float = 1.0 / 3
        #expect(transformed(.softmax, [0, 0, 0]) == [third, third, third])
    }
}
