import BerthCodecs
import BerthCore
@testable import BerthRuntime
import BerthTestSupport
import Foundation
import Logging
import Testing

/// `berth predict`'s job: how files are split into requests, and what is written for good and bad files.
@Suite final class LocalBatchTransformTests {
    let folder = NSTemporaryDirectory() + "berth-predict-" + UUID().uuidString
    let fixture = Fixtures.root + "/xgboost-binary-legacy"

    init() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    func job(_ request: RequestFormat, _ response: ResponseFormat, strategy: BatchStrategy = .multiRecord,
             payloadLimit: PayloadLimit = .sageMakerDefault, fixture: String? = nil,
             environment: [String: String] = [:]) throws -> LocalBatchTransform {
        var configuration = try BerthConfiguration(environment: environment, processorCount: 2)
        configuration.model.directory = (fixture ?? self.fixture) + "/model"
        configuration.batchTransform.enabled = true
        let model = try ModelLoader(configuration: configuration, backend: CPUBackend()).load(logger: Logger(label: "test"))
        return LocalBatchTransform(pipeline: InferencePipeline(model: model, configuration: configuration), requestFormat: request,
                                   responseFormat: response, strategy: strategy, payloadLimit: payloadLimit)
    }

    func requests(_ text: String, format: RequestFormat = .csv, strategy: BatchStrategy = .multiRecord,
                  limit: PayloadLimit = PayloadLimit(bytes: 8)) throws(CodecError) -> [BatchRequestSplitter.Request] {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer throws(CodecError) in
            var splitter = BatchRequestSplitter(bytes: buffer, format: format, strategy: strategy, payloadLimit: limit)
            var found = [BatchRequestSplitter.Request]()
            while let request = try splitter.next() { found.append(request) }
            return found
        }
    }

    @Test func multiRecordPacksWholeLinesUpToThePayloadLimit() throws {
        #expect(try requests("1,2\n3,4\n\n5,6\n7").map(\.range) == [0..<8, 9..<14])
        #expect(try requests("1,2\n3,4\n\n5,6\n7").map(\.firstLine) == [1, 4])
        #expect(try requests("1,2\r\n\n3,4", strategy: .singleRecord).map(\.range) == [0..<5, 6..<9])
        #expect(try requests("[1]\n[2]\n", format: .json).map(\.range) == [0..<8])
        #expect(try requests("", limit: PayloadLimit(megabytes: 0)).isEmpty)
        #expect(throws: CodecError.self) { try self.requests("1,2,3,4,5\n") }
    }

    @Test func aFolderOfFilesGivesOneOutPerGoodFileAndNamesTheBadLine() throws {
        let rows = try String(contentsOfFile: fixture + "/requests/rows.csv", encoding: .utf8)
        try rows.write(toFile: folder + "/good.csv", atomically: true, encoding: .utf8)
        try (rows + "1,2\n").write(toFile: folder + "/bad.csv", atomically: true, encoding: .utf8)
        let transform = try job(.csv, .csv, payloadLimit: PayloadLimit(bytes: 1000))
        let good = transform.run(input: folder + "/good.csv", output: folder + "/good.csv.out") { _, _, _ in }
        #expect(good.failure == nil)
        #expect(good.records == 24)
        #expect(good.requests > 1, "1000-byte payloads must split the file")
        let written = try String(contentsOfFile: folder + "/good.csv.out", encoding: .utf8)
        ResponseComparison.expectSameText(written, try String(contentsOfFile: fixture + "/expected/rows.csv", encoding: .utf8), "good.csv")
        let bad = transform.run(input: folder + "/bad.csv", output: folder + "/bad.csv.out") { _, _, _ in }
        #expect(bad.failure?.hasPrefix("line 25 has 2 values") == true, "\(bad.failure ?? "no failure")")
        #expect(!FileManager.default.fileExists(atPath: folder + "/bad.csv.out"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/bad.csv.out.partial"))
    }

    /// A LightGBM model's job keeps every request's doubles, as `/invocations` does: rows one double-ulp above a
    /// split threshold get `Booster.predict`'s answers.
    @Test func aLightGBMJobAnswersInDoublePrecision() throws {
        let lightgbm = Fixtures.root + "/lightgbm-dart"
        try String(contentsOfFile: lightgbm + "/requests/rows.csv", encoding: .utf8).write(toFile: folder + "/rows.csv", atomically: true, encoding: .utf8)
        let transform = try job(.csv, .csv, payloadLimit: PayloadLimit(bytes: 300), fixture: lightgbm)
        let result = transform.run(input: folder + "/rows.csv", output: folder + "/rows.csv.out") { _, _, _ in }
        #expect(result.failure == nil && result.requests > 1)
        ResponseComparison.expectSameText(try String(contentsOfFile: folder + "/rows.csv.out", encoding: .utf8),
                                          try String(contentsOfFile: lightgbm + "/expected/rows.csv", encoding: .utf8), "rows.csv",
                                          tolerance: 1e-9)
    }

    /// `BERTH_EXPLAIN` (what `berth predict --explain` sets) explains every record of a job: here the leaves, one
    /// CSV line per row, split over several requests, equal to xgboost's `pred_leaf`.
    @Test func aJobExplainsEveryRecord() throws {
        try String(contentsOfFile: fixture + "/requests/rows.csv", encoding: .utf8).write(toFile: folder + "/rows.csv", atomically: true, encoding: .utf8)
        let transform = try job(.csv, .csv, payloadLimit: PayloadLimit(bytes: 1000), environment: ["BERTH_EXPLAIN": "leaves"])
        let result = transform.run(input: folder + "/rows.csv", output: folder + "/rows.csv.out") { _, _, _ in }
        #expect(result.failure == nil && result.requests > 1)
        let written = try String(contentsOfFile: folder + "/rows.csv.out", encoding: .utf8).split(separator: "\n")
            .map { $0.split(separator: ",").map { Double($0)! } }
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture + "/expected/explanations.json")))
        let leaves = try #require((document as? [String: Any])?["leaves"] as? [[Double]])
        #expect(written == leaves)
    }

    /// `BERTH_CSV_HEADER=present`: a file's header, on its first line only, maps the columns of every request the
    /// file is split into — here by name in another order, with category text — equal to xgboost's `predict`.
    @Test func aHeaderMapsEveryRequestOfItsFile() throws {
        let named = Fixtures.root + "/xgboost-named-categorical"
        try String(contentsOfFile: named + "/requests/rows-header.csv", encoding: .utf8).write(toFile: folder + "/rows.csv", atomically: true, encoding: .utf8)
        let transform = try job(.csv, .csv, payloadLimit: PayloadLimit(bytes: 300), fixture: named, environment: ["BERTH_CSV_HEADER": "present"])
        let result = transform.run(input: folder + "/rows.csv", output: folder + "/rows.csv.out") { _, _, _ in }
        #expect(result.failure == nil && result.requests > 3 && result.records == 24, "\(result.failure ?? "")")
        ResponseComparison.expectSameText(try String(contentsOfFile: folder + "/rows.csv.out", encoding: .utf8),
                                          try String(contentsOfFile: named + "/expected/rows-header.csv.csv", encoding: .utf8), "rows-header.csv")
        // One line a request (SingleRecord): the header's own request answers nothing; a blank line before the header.
        try ("\n" + String(contentsOfFile: named + "/requests/rows-header.csv", encoding: .utf8)).write(toFile: folder + "/single.csv", atomically: true, encoding: .utf8)
        let single = try job(.csv, .csv, strategy: .singleRecord, fixture: named, environment: ["BERTH_CSV_HEADER": "present"])
            .run(input: folder + "/single.csv", output: folder + "/single.csv.out") { _, _, _ in }
        #expect(single.failure == nil && single.records == 24, "\(single.failure ?? "")")
        ResponseComparison.expectSameText(try String(contentsOfFile: folder + "/single.csv.out", encoding: .utf8),
                                          try String(contentsOfFile: named + "/expected/rows-header.csv.csv", encoding: .utf8), "single")
        // Without the setting, the header is refused as one.
        let plain = try job(.csv, .csv, fixture: named).run(input: folder + "/rows.csv", output: folder + "/plain.out") { _, _, _ in }
        #expect(plain.failure?.contains("line 1 looks like a header") == true)
    }

    /// A row the model refuses (onnxruntime fails it) fails its file, naming the row and the line its mini-batch's
    /// records start on.
    @Test func aRefusedRowNamesTheLineItsRecordsStartOn() throws {
        let refusing = Fixtures.root + "/onnx-one-hot-refusing"
        let lines = try String(contentsOfFile: refusing + "/requests/rows.csv", encoding: .utf8).split(separator: "\n")
        let unknown = try String(contentsOfFile: refusing + "/requests/refused.csv", encoding: .utf8).split(separator: "\n")[1]
        let body = (lines[..<14] + [unknown] + lines[14...]).joined(separator: "\n") + "\n"
        try body.write(toFile: folder + "/late.csv", atomically: true, encoding: .utf8)
        let result = try job(.csv, .csv, payloadLimit: PayloadLimit(bytes: 400), fixture: refusing)
            .run(input: folder + "/late.csv", output: folder + "/late.csv.out") { _, _, _ in }
        let failure = result.failure ?? ""
        let place = try #require(failure.firstMatch(of: /^row (\d+) of the records from line (\d+): the value 7 reaches/), "\(failure)")
        #expect(Int(place.1)! + Int(place.2)! - 1 == 15 && Int(place.2)! > 2, "the refused row is on line 15: \(failure)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/late.csv.out"))
    }

    @Test func recordIOFilesSplitAtRecordBoundaries() throws {
        let body = try Fixtures.bytes(fixture + "/requests/rows.recordio")
        try Data(body).write(to: URL(fileURLWithPath: folder + "/rows.recordio"))
        let transform = try job(.recordIO, .jsonLines, strategy: .singleRecord)
        let result = transform.run(input: folder + "/rows.recordio", output: folder + "/rows.recordio.out") { _, _, _ in }
        #expect(result.failure == nil)
        #expect(result.requests == 24)
        let written = try String(contentsOfFile: folder + "/rows.recordio.out", encoding: .utf8)
        // A batch job without selected outputs writes JSON Lines of bare scores, as the official container does: for
        // this one-score model, the same lines as its CSV answer.
        ResponseComparison.expectSameText(written, try String(contentsOfFile: fixture + "/expected/rows.csv", encoding: .utf8), "rows.recordio")
    }
}
