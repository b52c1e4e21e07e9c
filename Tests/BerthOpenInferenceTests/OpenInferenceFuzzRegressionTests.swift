import BerthCore
import BerthTestSupport
import Testing
@testable import BerthOpenInference

/// Infer requests libFuzzer found (`Fuzz/regressions/FuzzOpenInference/`), replayed as the fuzz target reads them:
/// the first byte gives the feature count (low six bits, plus one), whether to keep doubles (bit 6) and whether the
/// body splits at its first NUL byte into a JSON header and a binary section (top bit). Each is read or refused
/// with a short message, never a crash.
@Suite struct OpenInferenceFuzzRegressionTests {
    static let cases = Fixtures.fuzzRegressions("FuzzOpenInference")

    /// An empty list means the folder moved, not that all is well.
    @Test func theRegressionsAreFound() {
        #expect(!Self.cases.isEmpty)
    }

    @Test(arguments: cases)
    func isReadOrRefusedBriefly(_ path: String) throws {
        let input = try Fixtures.bytes(path)
        let first = input.first ?? 0
        let featureCount = Int(first & 0x3F) + 1
        var body = Array(input.dropFirst())
        var headerLength: Int?
        if first & 0x80 != 0, let split = body.firstIndex(of: 0) {
            headerLength = split
            body.remove(at: split)
        }
        let result = body.withUnsafeBytes { bytes in
            Result { () throws(OpenInferenceError) in
                try InferenceRequest(body: bytes, headerLength: headerLength, featureCount: featureCount,
                                     precision: first & 0x40 != 0 ? .float64 : .float32)
            }
        }
        switch result {
        case .success(let request):
            #expect(request.features.values.count == request.features.rowCount * featureCount)
        case .failure(let error):
            #expect(error.message.utf8.count <= 2_048, "\(path): \(error.message.prefix(300))")
        }
    }
}
