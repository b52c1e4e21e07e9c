import BerthCodecs
import BerthCore
@testable import BerthRuntime
import BerthTestSupport
import Foundation
import Logging
import Testing

/// Explained answers written a block of rows at a time (`InferencePipeline.explainedAnswer`) are byte for byte the
/// answer written at once, in every response format, for every explanation, across block boundaries of every size —
/// including JSON's separators between blocks and NPY's header for the whole matrix.
@Suite struct ExplainedAnswerTests {
    static let fixtures = ["xgboost-multiclass-ubjson", "lightgbm-binary-selectable"]

    static func pipeline(_ fixture: String) throws -> (InferencePipeline, FeatureBatch) {
        var configuration = try BerthConfiguration(environment: [:], processorCount: 2)
        configuration.model.directory = Fixtures.root + "/" + fixture + "/model"
        let model = try ModelLoader(configuration: configuration, backend: CPUBackend()).load(logger: Logger(label: "test"))
        let pipeline = InferencePipeline(model: model, configuration: configuration)
        let body = try Fixtures.bytes(Fixtures.root + "/" + fixture + "/requests/rows.csv")
        let batch = try body.withUnsafeBytes { bytes in try pipeline.decode(bytes, from: .csv) }
        return (pipeline, batch)
    }

    @Test(arguments: fixtures)
    func blocksWriteTheSameBytesAsOneBlock(fixture: String) throws {
        let (pipeline, batch) = try Self.pipeline(fixture)
        #expect(batch.rowCount > 3)
        let predictions = pipeline.model.predictAlone(batch)
        for kind in ExplanationKind.allCases {
            let whole = try pipeline.explain(batch, as: kind)
            for format in [ResponseFormat.json, .jsonLines, .csv, .npy, .recordIO] {
                let writer = ExplainedAnswerWriter(format: format, options: pipeline.encoding, rowCount: batch.rowCount,
                                                   valuesPerRow: whole.valuesPerRow)
                var once = [UInt8]()
                writer.appendOpening(to: &once)
                writer.appendBlock(predictions, explanations: whole, firstRow: 0, to: &once)
                writer.appendClosing(to: &once)
                // One row a block, a few rows a block (the last block short), and everything in the first block.
                for blockValues in [1, 3 * whole.valuesPerRow, Int.max / 2] {
                    let blocked = try pipeline.explainedAnswer(batch, predictions: predictions, as: kind, to: format, blockValues: blockValues)
                    #expect(blocked == once, "\(fixture) \(kind) \(format) in blocks of \(blockValues) values")
                }
            }
        }
    }

    /// The whole road, `answer`, explains through the blocks too and keeps the JSON document one document.
    @Test func answerExplainsEveryRow() throws {
        let (pipeline, batch) = try Self.pipeline("xgboost-multiclass-ubjson")
        let body = try Fixtures.bytes(Fixtures.root + "/xgboost-multiclass-ubjson/requests/rows.csv")
        let answer = try body.withUnsafeBytes { bytes in try pipeline.answer(bytes, from: .csv, to: .json, explain: .margin) }
        #expect(answer.rowCount == batch.rowCount)
        let text = String(decoding: answer.body, as: UTF8.self)
        #expect(text.hasPrefix(#"{"predictions": [{"#) && text.hasSuffix("]}"))
        #expect(text.components(separatedBy: #""margin": ["#).count == batch.rowCount + 1)
    }
}
