import BerthCore
import Testing
@testable import BerthCodecs

/// JumpStart's answer shapes, for the model kinds the fixtures (written with JumpStart's own encoder) do not cover.
@Suite struct JumpStartAnswerTests {
    func encode(_ meaning: PredictionMeaning, _ predictions: Predictions, verbose: Bool = true) -> String {
        var output = [UInt8]()
        JumpStartJSONEncoder(meaning: meaning, verbose: verbose).encode(predictions, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    @Test func multiClassKeepsEveryClassButTheFirstInProbabilities1D() {
        let predictions = Predictions(rowCount: 2, columnCount: 3, doubles: [0.25, 0.5, 0.25, 0.5, 0.25, 0.25])
        #expect(encode(.classProbabilities(labels: .strings(["a", "b", "c"])), predictions) == """
            {"probabilities-1d": [[0.5, 0.25], [0.25, 0.25]], "probabilities": [[0.25, 0.5, 0.25], [0.5, 0.25, 0.25]], \
            "predicted_label": [1, 0]}
            """)
    }

    @Test func aBinaryTieIsTheFirstClassAndRegressionsAnswerPredictions() {
        let tie = Predictions(rowCount: 1, columnCount: 1, doubles: [0.5])
        #expect(encode(.binaryProbability, tie) == #"{"probabilities-1d": [[0.5]], "probabilities": [[0.5, 0.5]], "predicted_label": [0]}"#)
        #expect(encode(.binaryProbability, tie, verbose: false) == #"{"probabilities-1d": [[0.5]], "probabilities": [[0.5, 0.5]]}"#)
        let values = Predictions(rowCount: 2, columnCount: 1, values: [1.5, -2])
        #expect(encode(.regression, values) == #"{"prediction": [1.5, -2.0]}"#)
    }

    @Test func onlyJSONWithTheVerboseParameterAsksForIt() {
        #expect(AnswerStyle.asksVerbose(accept: "application/json;verbose"))
        #expect(AnswerStyle.asksVerbose(accept: "text/csv, application/json; verbose"))
        #expect(!AnswerStyle.asksVerbose(accept: "application/json"))
        #expect(!AnswerStyle.asksVerbose(accept: "text/csv;verbose"))
        #expect(!AnswerStyle.asksVerbose(accept: nil))
    }
}
