import Testing
@testable import BerthCore

/// A model file that parses but makes no sense must be refused at compile time, never crash a request later.
@Suite struct ModelValidationTests {
    func compile(_ tree: DecisionTree, features: Int = 2) throws(ModelValidationError) {
        _ = try CPUBackend().compile(.trees(TreeEnsemble(featureCount: features, groupCount: 1, trees: [tree], treeGroups: [0],
                                                          baseMargins: [0], transform: .identity)))
    }

    func tree(left: [Int32], right: [Int32], features: [Int32]? = nil, values: [Float]? = nil) -> DecisionTree {
        DecisionTree(leftChildren: left, rightChildren: right, splitFeatures: features ?? left.map { _ in 0 },
                     values: values ?? left.map { _ in 0 }, defaultLeft: left.map { _ in false })
    }

    @Test func childOutOfRange() {
        #expect(throws: ModelValidationError.self) { try compile(tree(left: [1, -1, -1], right: [7, -1, -1])) }
        #expect(throws: ModelValidationError.self) { try compile(tree(left: [-5, -1], right: [1, -1])) }
    }

    @Test func cycleOrSharedNode() {
        #expect(throws: ModelValidationError.self) { try compile(tree(left: [1, 0, -1], right: [2, 2, -1])) }
        #expect(throws: ModelValidationError.self) { try compile(tree(left: [1, -1], right: [1, -1])) }
    }

    @Test func featureOutsideTheModel() {
        #expect(throws: ModelValidationError.self) { try compile(tree(left: [1, -1, -1], right: [2, -1, -1], features: [2, 0, 0])) }
    }

    @Test func nanThreshold() {
        #expect(throws: ModelValidationError.self) { try compile(tree(left: [1, -1, -1], right: [2, -1, -1], values: [.nan, 1, 2])) }
    }

    @Test func depthTenThousandIsRefused() {
        // A chain: internal node i sits at 2i with a leaf at 2i+1 on its right and the next internal node on its left.
        let depth = 10_000
        var left = [Int32](repeating: -1, count: 2 * depth + 1)
        var right = [Int32](repeating: -1, count: 2 * depth + 1)
        for node in 0..<depth {
            left[2 * node] = Int32(2 * node + 2)
            right[2 * node] = Int32(2 * node + 1)
        }
        let error = #expect(throws: ModelValidationError.self) { try compile(tree(left: left, right: right)) }
        #expect(error?.reason.contains("deeper") == true)
    }

    @Test func groupOutsideTheModel() {
        #expect(throws: ModelValidationError.self) {
            _ = try CPUBackend().compile(.trees(TreeEnsemble(featureCount: 1, groupCount: 1, trees: [.leaf(1)], treeGroups: [3],
                                                              baseMargins: [0], transform: .identity)))
        }
    }

    @Test func ensembleMembersMustAgree() throws {
        let one = try CPUBackend().compile(.trees(TreeEnsemble(featureCount: 1, groupCount: 1, trees: [.leaf(1)], treeGroups: [0], baseMargins: [0], transform: .identity)))
        let two = try CPUBackend().compile(.trees(TreeEnsemble(featureCount: 2, groupCount: 1, trees: [.leaf(1)], treeGroups: [0], baseMargins: [0], transform: .identity)))
        #expect(throws: ModelValidationError.self) { try EnsembleModel(members: [one, two], combination: .mean) }
    }

    @Test func ensembleMeanAndMode() throws {
        func constant(_ value: Float) throws -> any CompiledModel {
            try CPUBackend().compile(.trees(TreeEnsemble(featureCount: 1, groupCount: 1, trees: [.leaf(value)], treeGroups: [0], baseMargins: [0], transform: .identity)))
        }
        let batch = FeatureBatch(rowCount: 1, columnCount: 1, values: [0])
        #expect(try EnsembleModel(members: [constant(1), constant(2), constant(6)], combination: .mean).predict(batch).values == [3])
        #expect(try EnsembleModel(members: [constant(2), constant(1), constant(2)], combination: .mode).predict(batch).values == [2])
        #expect(try EnsembleModel(members: [constant(2), constant(1)], combination: .mode).predict(batch).values == [1])
    }

    /// An ensemble refuses every explanation, naming the ensemble and the way to explain one model.
    @Test(arguments: ExplanationKind.allCases)
    func anEnsembleRefusesExplanationsSayingWhy(_ kind: ExplanationKind) throws {
        let member = try CPUBackend().compile(.trees(TreeEnsemble(featureCount: 1, groupCount: 1, trees: [.leaf(1)], treeGroups: [0],
                                                                  baseMargins: [0], transform: .identity)))
        let ensemble = try EnsembleModel(members: [member, member], combination: .mean)
        do {
            _ = try ensemble.explain(FeatureBatch(rowCount: 1, columnCount: 1, values: [0]), as: kind)
            Issue.record("an ensemble explained \(kind)")
        } catch {
            #expect(error.reason.contains("ensemble of 2 models") && error.reason.contains("SAGEMAKER_INFERENCE_ENSEMBLE=false"), "\(error.reason)")
        }
    }
}
