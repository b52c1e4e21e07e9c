import Foundation
import Testing
@testable import BerthCore

/// SVMRegressor and SVMClassifier (`SupportVectorKernel`) against their definitions on numbers worked out here, and
/// every inconsistent model refused at load, never a crash. The fixtures (opt-ml-fixtures/onnx-svc-*, onnx-svr-*,
/// onnx-one-class-svm) check them against onnxruntime.
@Suite struct SupportVectorKernelTests {
    typealias G = GraphTesting

    /// Two support vectors in two features: (0, 0) and (1, 1).
    static let vectors: [Float] = [0, 0, 1, 1]

    static func regressor(_ kernel: SupportVectorOperation.Kernel, oneClass: Bool = false) -> OperatorGraph {
        G.graph([G.node(.supportVectorRegressor(SupportVectorOperation(kernel: kernel, supportVectors: vectors, vectorCount: 2,
                                                                      coefficients: [1, -2], rho: [0.5], oneClass: oneClass)))],
                features: 2)
    }

    @Test func aRegressorSumsItsCoefficientsTimesEachKernel() throws {
        let rows: [[Float]] = [[1, 0], [2, 3]]
        func expected(_ kernel: (Float, Float, Float, Float) -> Double) -> [[Float]] {
            rows.map { row in [Float(1 * kernel(row[0], row[1], 0, 0) - 2 * kernel(row[0], row[1], 1, 1) + 0.5)] }
        }
        G.expectClose(try G.run(Self.regressor(.radialBasis(gamma: 0.5)), rows), expected { a, b, c, d in
            exp(-0.5 * Double((a - c) * (a - c) + (b - d) * (b - d)))
        })
        G.expectClose(try G.run(Self.regressor(.linear), rows), expected { a, b, c, d in Double(a * c + b * d) })
        G.expectClose(try G.run(Self.regressor(.polynomial(gamma: 0.5, coef0: 1, degree: 3)), rows), expected { a, b, c, d in
            pow(0.5 * Double(a * c + b * d) + 1, 3)
        })
        G.expectClose(try G.run(Self.regressor(.polynomial(gamma: 0.5, coef0: 1, degree: 2.5)), rows), expected { a, b, c, d in
            pow(0.5 * Double(a * c + b * d) + 1, 2.5)
        })
        G.expectClose(try G.run(Self.regressor(.sigmoid(gamma: 0.25, coef0: -1)), rows), expected { a, b, c, d in
            tanh(0.25 * Double(a * c + b * d) - 1)
        })
        // One class: the sign of the same score. Row 1: 0.5 - e^-0.5 < 0; row 2: 0.5 + e^-6.5 - 2e^-2.5 > 0.
        #expect(try G.run(Self.regressor(.radialBasis(gamma: 0.5), oneClass: true), rows) == [[-1], [1]])
    }

    @Test func aRegressorWithoutSupportVectorsWeighsTheFeatures() throws {
        let graph = G.graph([G.node(.supportVectorRegressor(SupportVectorOperation(
            kernel: .radialBasis(gamma: 9), supportVectors: [], vectorCount: 0, coefficients: [2, -1], rho: [0.25])))], features: 2)
        G.expectClose(try G.run(graph, [[1, 4], [-3, 0.5]]), [[2 - 4 + 0.25], [-6 - 0.5 + 0.25]])
    }

    /// Two classes, one support vector each, linear kernel: the decision is `c·x·v₀ + c'·x·v₁ + rho`, its Platt
    /// probability `1 - σ(A·d + B)`, and two classes' coupling gives back that pairwise probability (to the
    /// iteration's tolerance, 0.005 / 2).
    @Test func aBinaryClassifierAnswersPlattsProbability() throws {
        let operation = SupportVectorOperation(kernel: .linear, supportVectors: [1, 0, 0, 1], vectorCount: 2, coefficients: [0.5, -1.5],
                                               rho: [0.2], classCount: 2, vectorsPerClass: [1, 1], probabilityA: [-2], probabilityB: [0.1])
        let rows: [[Float]] = [[1, 2], [0.5, -1], [0, 0]]
        let got = try G.run(G.graph([G.node(.supportVectorClassifier(operation))], features: 2), rows)
        for (row, answer) in zip(rows, got) {
            let decision = 0.5 * Double(row[0]) - 1.5 * Double(row[1]) + 0.2
            let first = 1 - 1 / (1 + exp(-(-2 * decision + 0.1)))
            #expect(abs(Double(answer[0]) - first) < 0.0025 && abs(Double(answer[0] + answer[1]) - 1) < 1e-6, "\(row): \(answer) vs \(first)")
        }
    }

    /// Without Platt's scaling a classifier answers its decisions, as onnxruntime does: `[−d, d]` for two classes, one
    /// a pair (01, 02, 12) for three, each `Σ coefficient · kernel + rho`.
    @Test func aClassifierWithoutProbabilitiesAnswersItsDecisions() throws {
        let binary = SupportVectorOperation(kernel: .linear, supportVectors: [1, 0, 0, 1], vectorCount: 2, coefficients: [0.5, -1.5],
                                            rho: [0.2], classCount: 2, vectorsPerClass: [1, 1])
        G.expectClose(try G.run(G.graph([G.node(.supportVectorClassifier(binary))], features: 2), [[1, 2]]), [[2.3, -2.3]])
        // Three classes, one vector each: vectors e0, e1, e2; coefficients row 0 (against the later class) and row 1.
        let three = SupportVectorOperation(kernel: .linear, supportVectors: [1, 0, 0, 0, 1, 0, 0, 0, 1], vectorCount: 3,
                                           coefficients: [1, 2, 3, 4, 5, 6], rho: [0.1, 0.2, 0.3], classCount: 3, vectorsPerClass: [1, 1, 1])
        let x: [Float] = [1, 10, 100]
        // Pair (0, 1): row 0 holds class 1's coefficient against 0, row 0 class 0's against 1: coefficient[0·3 + 0]
        // for class 0's vector in row 1 − 1 = 0, coefficient[0·3 + 1] for class 1's vector in row 0.
        let d01 = 1 * x[0] + 2 * x[1] + 0.1
        let d02 = 4 * x[0] + 3 * x[2] + 0.2  // class 0's vector in row 2 − 1 = 1 (index 3), class 2's in row 0 (index 2)
        let d12 = 5 * x[1] + 6 * x[2] + 0.3  // class 1's vector in row 1 (index 4), class 2's in row 1 (index 5)
        G.expectClose(try G.run(G.graph([G.node(.supportVectorClassifier(three))], features: 3), [x]), [[d01, d02, d12]])
    }

    /// Three classes whose pairwise probabilities agree with one distribution `p` (rᵢⱼ = pᵢ / (pᵢ + pⱼ)): the
    /// coupling recovers `p`.
    @Test func couplingRecoversTheDistributionConsistentPairsComeFrom() {
        let p: [Float] = [0.6, 0.3, 0.1]
        var r = [Float](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 where i != j { r[i * 3 + j] = p[i] / (p[i] + p[j]) } }
        var coupled = [Float](repeating: 0, count: 3), scratch = [Float](repeating: .nan, count: 12)
        r.withUnsafeBufferPointer { pairs in
            scratch.withUnsafeMutableBufferPointer { scratch in
                coupled.withUnsafeMutableBufferPointer { PairwiseCoupling.probabilities(classes: 3, pairwise: pairs, scratch: scratch, into: $0) }
            }
        }
        for (got, want) in zip(coupled, p) { #expect(abs(got - want) < 0.005, "\(coupled)") }
    }

    @Test(arguments: [
        (SupportVectorOperation(kernel: .linear, supportVectors: [1, 0, 0, 1], vectorCount: 2, coefficients: [1, 1], rho: [0], classCount: 2,
                                vectorsPerClass: [1, 1], postTransform: .logistic), "without probabilities has post_transform logistic"),
        (SupportVectorOperation(kernel: .linear, supportVectors: [1, 0, 0, 1], vectorCount: 2, coefficients: [1, 1], rho: [0], classCount: 2,
                                vectorsPerClass: [1, 1], probabilityA: [1]), "1 prob_a and 0 prob_b for 1 pairs"),
        (SupportVectorOperation(kernel: .linear, supportVectors: [1, 0, 0, 1], vectorCount: 2, coefficients: [1, 1], rho: [0], classCount: 2,
                                vectorsPerClass: [1, 0], probabilityA: [1], probabilityB: [0]), "vectors_per_class [1, 0] does not count"),
        (SupportVectorOperation(kernel: .linear, supportVectors: [1, 0, 0, 1], vectorCount: 2, coefficients: [1, 1], rho: [0], classCount: 2,
                                vectorsPerClass: [Int.max, 1], probabilityA: [1], probabilityB: [0]), "does not count its 2 support vectors"),
        (SupportVectorOperation(kernel: .linear, supportVectors: [1, 0, 0, 1], vectorCount: 2, coefficients: [1], rho: [0], classCount: 2,
                                vectorsPerClass: [1, 1], probabilityA: [1], probabilityB: [0]), "it needs 2 and 1"),
        (SupportVectorOperation(kernel: .linear, supportVectors: [1, 0, 0], vectorCount: 2, coefficients: [1, 1], rho: [0]),
         "3 support vector values do not split into 2 vectors"),
        (SupportVectorOperation(kernel: .linear, supportVectors: [], vectorCount: 0, coefficients: [1, 2, 3], rho: [0], classCount: 2),
         "3 coefficients do not split into 2 classes"),
        (SupportVectorOperation(kernel: .linear, supportVectors: [], vectorCount: 0, coefficients: [1, 2], rho: []), "has no rho"),
        (SupportVectorOperation(kernel: .linear, supportVectors: [], vectorCount: 0, coefficients: Array(repeating: 1, count: 2_000), rho: [0],
                                classCount: 2_000), "2000 classes; Berth takes 2 to 256"),
    ] as [(SupportVectorOperation, String)])
    func inconsistentModelsAreRefusedAtLoad(_ operation: SupportVectorOperation, _ words: String) {
        let isClassifier = operation.classCount > 0
        let features = operation.vectorCount > 0 ? max(1, operation.supportVectors.count / operation.vectorCount) : 1
        let node = G.node(isClassifier ? .supportVectorClassifier(operation) : .supportVectorRegressor(operation))
        let reason = G.refusal(G.graph([node], features: features))
        #expect(reason?.contains(words) == true, "\(reason ?? "accepted")")
    }

    /// More rows than the dot products take at once (32), and more vectors than fit 32 rows' kernels in 4 MiB: every
    /// row's answer is the one it gets alone.
    @Test func rowsInSeveralChunksAnswerAsOneRowAtATime() throws {
        for vectors in [3, 40_000] {
            let values = (0..<vectors * 2).map { Float(($0 * 7919) % 13) / 13 - 0.5 }
            let operation = SupportVectorOperation(kernel: .polynomial(gamma: 0.5, coef0: 1, degree: 3), supportVectors: values,
                                                   vectorCount: vectors, coefficients: (0..<vectors).map { Float($0 % 5) - 2 }, rho: [0.25])
            let graph = G.graph([G.node(.supportVectorRegressor(operation))], features: 2)
            let rows = (0..<70).map { [Float($0) / 10 - 3, Float($0 % 7) / 3] }
            let together = try G.run(graph, rows)
            for (row, answer) in zip(rows, together) { #expect(try G.run(graph, [row]) == [answer], "\(vectors) vectors, \(row)") }
        }
    }

    /// Without support vectors a classifier's coefficients are one row of weights a class, plus the first rho, then
    /// its post transform.
    @Test func aClassifierWithoutSupportVectorsWeighsTheFeatures() throws {
        let operation = SupportVectorOperation(kernel: .linear, supportVectors: [], vectorCount: 0, coefficients: [1, 2, -1, 0.5, 0, 3],
                                               rho: [0.5], classCount: 3, postTransform: .softmax)
        let x: [Float] = [2, -1]
        let scores = [1 * x[0] + 2 * x[1] + 0.5, -1 * x[0] + 0.5 * x[1] + 0.5, 0 * x[0] + 3 * x[1] + 0.5].map { Double($0) }
        let total = scores.map { exp($0) }.reduce(0, +)
        G.expectClose(try G.run(G.graph([G.node(.supportVectorClassifier(operation))], features: 2), [x]),
                      [scores.map { Float(exp($0) / total) }])
    }

    @Test func rowsOfAnotherWidthAreRefused() {
        let reason = G.refusal(G.graph([G.node(.supportVectorRegressor(SupportVectorOperation(
            kernel: .linear, supportVectors: Self.vectors, vectorCount: 2, coefficients: [1, 1], rho: [0])))], features: 3))
        #expect(reason?.contains("SVMRegressor takes [N, 2], not [N, 3]") == true, "\(reason ?? "accepted")")
    }
}
