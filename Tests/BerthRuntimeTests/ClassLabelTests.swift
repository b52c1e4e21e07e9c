import BerthCodecs
import BerthCore
@testable import BerthRuntime
import BerthTestSupport
import Foundation
import Logging
import Testing

/// Labels out: `predicted_label` and `labels` answer the classes' names — the artifact's (an sklearn wrapper's
/// `classes_`, CatBoost's class names) or `BERTH_CLASS_LABELS` for a bare model — and a count that is not the model's
/// stops the load naming both.
@Suite struct ClassLabelTests {
    func load(_ fixture: String, _ environment: [String: String]) throws(ModelLoader.Failure) -> ServedModel {
        var configuration = try! BerthConfiguration(environment: environment, processorCount: 2)
        configuration.model.directory = Fixtures.root + "/" + fixture + "/model"
        return try ModelLoader(configuration: configuration, backend: CPUBackend()).load(logger: Logger(label: "test"))
    }

    /// The predicted labels `served` answers for a fixture's CSV rows.
    func predictedLabels(_ served: ServedModel, _ fixture: String) throws -> [SelectedValue] {
        let pipeline = InferencePipeline(model: served, configuration: try BerthConfiguration(environment: [:], processorCount: 2))
        let body = try Fixtures.bytes(Fixtures.root + "/" + fixture + "/requests/rows.csv")
        let batch = try body.withUnsafeBytes { bytes in try pipeline.decode(bytes, from: .csv) }
        let predictions = served.predictAlone(batch)
        let selection = try #require(served.outputSelection)
        return (0..<predictions.rowCount).map { selection.value(.predictedLabel, row: predictions.wideRow($0)) }
    }

    /// An LGBMClassifier with classes "no" and "yes": its own `predict` (expected/labels.json) is what Berth answers.
    @Test func aBinaryWrapperAnswersItsOwnLabels() throws {
        let fixture = "lightgbm-pickle-binary-labels"
        let served = try load(fixture, ["SAGEMAKER_INFERENCE_OUTPUT": "predicted_label,labels"])
        #expect(served.summary.classLabels == .strings(["no", "yes"]))
        let expected = try JSONSerialization.jsonObject(with: Data(Fixtures.bytes(Fixtures.root + "/" + fixture + "/expected/labels.json"))) as? [String]
        let answered = try predictedLabels(served, fixture).map { value -> String? in
            if case .string(let label, _) = value { return label }
            return nil
        }
        #expect(answered == expected)
        #expect(served.outputSelection?.value(.labels, row: [0.3]) == .strings(["no", "yes"]))
    }

    /// A bare XGBoost binary model named by the variable: each probability above 0.5 is the second label.
    @Test func berthClassLabelsNamesABareModelsClasses() throws {
        let fixture = "xgboost-binary-legacy"
        let served = try load(fixture, ["SAGEMAKER_INFERENCE_OUTPUT": "predicted_label", "BERTH_CLASS_LABELS": "stays, churns"])
        let probabilities = try String(contentsOfFile: Fixtures.root + "/" + fixture + "/expected/rows.csv", encoding: .utf8)
            .split(separator: "\n").map { Double($0)! }
        let expected = probabilities.enumerated().map { SelectedValue.string($1 > 0.5 ? "churns" : "stays", classIndex: $1 > 0.5 ? 1 : 0) }
        #expect(try predictedLabels(served, fixture) == expected)
    }

    /// Class probabilities take the names too (`multi:softprob`), and `multi:softmax`'s class index becomes its name.
    @Test func multiClassModelsAreNamedToo() throws {
        let softprob = try load("xgboost-multiclass-ubjson", ["SAGEMAKER_INFERENCE_OUTPUT": "predicted_label,labels", "BERTH_CLASS_LABELS": "a,b,c"])
        #expect(softprob.summary.meaning == .classProbabilities(labels: .strings(["a", "b", "c"])))
        #expect(softprob.outputSelection?.value(.predictedLabel, row: [0.1, 0.7, 0.2]) == .string("b", classIndex: 1))
        let softmax = try load("xgboost-softmax-selectable", ["SAGEMAKER_INFERENCE_OUTPUT": "predicted_label,labels", "BERTH_CLASS_LABELS": "7,8,9"])
        #expect(softmax.outputSelection?.value(.predictedLabel, row: [2]) == .integer(9))
        #expect(softmax.outputSelection?.value(.labels, row: [2]) == .integers([7, 8, 9]))
    }

    @Test func aCountThatIsNotTheModelsStopsTheLoad() {
        #expect {
            _ = try load("xgboost-multiclass-ubjson", ["BERTH_CLASS_LABELS": "a,b"])
        } throws: { error in
            (error as? ModelLoader.Failure)?.description.contains("names 2 classes, but the model tells 3 apart") == true
        }
        #expect {
            _ = try load("xgboost-regression-json-gz", ["BERTH_CLASS_LABELS": "a,b"])
        } throws: { error in
            (error as? ModelLoader.Failure)?.description.contains("not a classifier") == true
        }
        #expect(throws: ConfigurationError.self) { _ = try BerthConfiguration(environment: ["BERTH_CLASS_LABELS": "a,,b"], processorCount: 2) }
    }
}
