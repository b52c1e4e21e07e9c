import BerthCore
import BerthTestSupport
import Testing
@testable import BerthCodecs

/// Random and mutated bodies through every decoder: each must end in a decoded batch or a 400 — never a crash,
/// a hang or an error of another kind.
@Suite struct HostileBodyTests {
    static let seeds: [RequestFormat: [[UInt8]]] = [
        .csv: ["1,2,3\n4,5,6\n", ",nan,\"3\"\r\n1e-3,-0,+inf\n"].map { Array($0.utf8) },
        .json: [#"{"instances": [[1, 2, 3], {"features": [4, null, 6]}]}"#,
                #"{"instances": [{"data": {"features": {"keys": [0, 2], "shape": [3], "values": [1, 2]}}}]}"#].map { Array($0.utf8) },
        .jsonLines: [Array("[1, 2, 3]\n{\"features\": [4, 5, 6]}\n".utf8)],
        .libsvm: [Array("1 0:1.5 2:-3\n0 1:2e3 qid:4 # comment\n7\n".utf8)],
        .recordIO: [RecordIOBodies.framed([RecordIOBodies.record(values: [1, 2, 3]), RecordIOBodies.record(values: [4, 5, 6])]),
                    RecordIOBodies.framed([RecordIOBodies.record(values: [1, 2], keys: [0, 2], shape: [3])]),
                    RecordIOBodies.record(values: [1, 2, 3])],
        .npy: [NPYHeader.float32Header(shape: [2, 3]) + [UInt8](repeating: 0x3F, count: 24)],
    ]

    @Test(arguments: RequestFormat.allCases)
    func decodersSurviveMutations(_ format: RequestFormat) {
        var generator = SplitMix(seed: 7)
        let alphabet = Array("0123456789.,-+eE\n\r\t \"[]{}:nulNaN\\ufeff".utf8) + [0, 0xFF, 0xC3]
        for seed in Self.seeds[format]! {
            let original = seed
            for _ in 0..<2000 {
                var body = original
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    let position = Int(generator.next() % UInt64(body.count + 1))
                    switch generator.next() % 3 {
                    case 0 where position < body.count: body[position] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                    case 1: body.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: position)
                    default: if position < body.count { body.remove(at: position) }
                    }
                }
                do {
                    let batch = try format.decoder().decode(body, featureCount: 3)
                    #expect(batch.values.count == batch.rowCount * 3)
                } catch {
                    // A mutated .npy dtype is a type Berth does not read (415); everything else is a bad body.
                    #expect(error.kind == .badRequest || (format == .npy && error.kind == .unsupportedContentType))
                }
            }
        }
    }

    @Test func randomBytesAreBadRequests() {
        var generator = SplitMix(seed: 11)
        for format in RequestFormat.allCases {
            for length in [1, 7, 100, 5000] {
                let body = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                #expect(throws: CodecError.self) { try format.decoder().decode(body, featureCount: 3) }
            }
        }
    }

    /// Rows that fill every feature whatever they hold — a libsvm line `0`, a sparse JSON record, a sparse or empty
    /// RecordIO record — stay within the request's value budget: a small body for a wide model is a 400, not a
    /// reservation or a batch of many gigabytes.
    @Test func sparseRowsStayWithinTheValueBudget() {
        let featureCount = 1 << 16
        let rows = RequestDecodingOptions.maxValues / featureCount + 1
        let libsvm = Array(String(repeating: "0\n", count: rows).utf8)
        let record = #"{"features": {"keys": [0], "values": [1]}}"#
        let json = Array(("{\"instances\": [" + Array(repeating: record, count: rows).joined(separator: ",") + "]}").utf8)
        let recordIO = RecordIOBodies.framed(Array(repeating: RecordIOBodies.record(values: [1], keys: [0], shape: [UInt64(featureCount)]), count: rows))
        for (format, body) in [(RequestFormat.libsvm, libsvm), (.json, json), (.recordIO, recordIO)] {
            let error = #expect(throws: CodecError.self, "\(format)") { try format.decoder().decode(body, featureCount: featureCount) }
            #expect(error?.message.contains("more than \(RequestDecodingOptions.maxValues) values") == true, "\(format): \(error?.message ?? "")")
        }
    }
}
