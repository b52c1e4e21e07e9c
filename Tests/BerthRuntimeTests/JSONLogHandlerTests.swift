import BerthJSON
@testable import BerthRuntime
import Foundation
import Glibc
import Logging
import Testing

@Suite struct JSONLogHandlerTests {
    /// Logs through a pipe and reads back what was written.
    func capture(_ body: (Logger) -> Void) throws -> [JSONValue] {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        var logger = Logger(label: "berth-test") { label in JSONLogHandler(label: label, level: .info, fileDescriptor: descriptors[1]) }
        logger[metadataKey: "request"] = "42"
        body(logger)
        close(descriptors[1])
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptors[0], $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        close(descriptors[0])
        return try bytes.split(separator: UInt8(ascii: "\n")).map { try JSONReader.parse(Array($0)) }
    }

    @Test func oneJSONObjectPerLineWithMetadata() throws {
        let lines = try capture { logger in
            logger.info("model ready", metadata: ["trees": "40", "files": ["a", "b"], "nested": ["k": "v\"\n"]])
            logger.debug("hidden below info")
            logger.warning("request refused")
        }
        #expect(lines.count == 2)
        #expect(lines[0]["message"] == .string("model ready"))
        #expect(lines[0]["level"] == .string("info"))
        #expect(lines[0]["label"] == .string("berth-test"))
        #expect(lines[0]["metadata"]?["files"] == .array([.string("a"), .string("b")]))
        #expect(lines[0]["metadata"]?["nested"]?["k"] == .string("v\"\n"))
        #expect(lines[0]["metadata"]?["request"] == .string("42"))
        #expect(lines[1]["level"] == .string("warning"))
        #expect(lines[0]["time"]?.string?.hasSuffix("Z") == true)
    }

    @Test func timestampsAreTodaysUTCTime() {
        // Foundation's formatter is the reference; retry once if the minute turns between the two calls.
        for _ in 0..<2 {
            let reference = ISO8601DateFormatter().string(from: Date())
            let ours = JSONLogHandler.timestamp()
            if ours.prefix(16) == reference.prefix(16) {
                #expect(ours.count == 24)
                return
            }
        }
        Issue.record("timestamp \(JSONLogHandler.timestamp()) differs from \(ISO8601DateFormatter().string(from: Date()))")
    }
}
