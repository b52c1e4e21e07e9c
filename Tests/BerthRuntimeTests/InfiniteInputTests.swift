import BerthCodecs
import BerthCore
import BerthTestSupport
import Logging
import Testing
@testable import BerthRuntime

/// Every request format refuses an infinite feature value with a 400 naming its row and column, as CSV does (and
/// xgboost does); JSON's `NaN` literal, which Python's `json.dumps` writes for a missing value, is one.
@Suite struct InfiniteInputTests {
    /// The legacy binary fixture's pipeline: 12 features, float32.
    static func pipeline() throws -> InferencePipeline {
        var configuration = try BerthConfiguration(environment: [:], processorCount: 2)
        configuration.model.directory = Fixtures.root + "/xgboost-binary-legacy/model"
        let model = try ModelLoader(configuration: configuration, backend: CPUBackend()).load(logger: Logger(label: "test"))
        return InferencePipeline(model: model, configuration: configuration)
    }

    static func decode(_ body: [UInt8], _ format: RequestFormat, firstLineNumber: Int = 1) throws -> FeatureBatch {
        let pipeline = try Self.pipeline()
        return try body.withUnsafeBytes { bytes in try pipeline.decode(bytes, from: format, firstLineNumber: firstLineNumber) }
    }

    /// A float32 NPY array of `rows` × 12 values, all 1 except `value` at (1, 4).
    static func npy(_ value: Float) -> [UInt8] {
        var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 12), }".utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(UInt8(ascii: " ")) }
        header.append(UInt8(ascii: "\n"))
        var values = [Float](repeating: 1, count: 24)
        values[12 + 4] = value
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header
            + values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
    }

    static let ones = Array(repeating: "1", count: 12)
    static func row(_ fifth: String) -> String { (ones[..<4] + [fifth] + ones[5...]).joined(separator: ",") }

    /// Line formats name the line (in the file, for a request `berth predict` split off further down) and the column
    /// as written — a libsvm index in the configured base; whole-body formats the row of the request.
    @Test func everyFormatRefusesAnInfiniteValueNamingItsPlace() {
        let bodies: [(String, [UInt8], RequestFormat, String)] = [
            ("JSON Infinity", Array("[[\(Self.row("1"))], [\(Self.row("-Infinity"))]]".utf8), .json, "row 2 of the request, column 5"),
            ("JSON past float32", Array("{\"instances\": [[\(Self.row("1"))], [\(Self.row("1e39"))]]}".utf8), .json, "row 2 of the request, column 5"),
            ("JSON Lines", Array("[\(Self.row("1"))]\n\n[\(Self.row("Infinity"))]\n".utf8), .jsonLines, "line 27, column 5"),
            ("libsvm", Array("0:1\n4:inf\n".utf8), .libsvm, "line 26, index 4"),
            ("NPY", Self.npy(.infinity), .npy, "row 2 of the request, column 5"),
        ]
        for (label, body, format, place) in bodies {
            let error = #expect(throws: CodecError.self, "\(label)") { try Self.decode(body, format, firstLineNumber: 25) }
            #expect(error?.message.hasPrefix("\(place) is infinite (or beyond a float32)") == true, "\(label): \(error?.message ?? "")")
        }
        #expect(throws: Never.self) { try Self.decode(Self.npy(3.5), .npy) }
    }

    @Test func jsonNaNIsAMissingValue() throws {
        for (body, format) in [("[[\(Self.row("NaN"))]]", RequestFormat.json), ("[\(Self.row("NaN"))]\n", .jsonLines)] {
            let batch = try Self.decode(Array(body.utf8), format)
            #expect(batch.values[4].isNaN && batch.values.filter(\.isNaN).count == 1, "\(body)")
        }
    }
}
