import Foundation
import Testing
@testable import BerthArtifacts

/// A file is read whole, at the size `fstat` gives or beyond it, and never past the limit.
@Suite final class FileSystemTests {
    let path = NSTemporaryDirectory() + "berth-file-" + UUID().uuidString

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @Test func aFileReadsBackByteForByte() throws {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<(1 << 20) + 12_345).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try FileSystem.read(path, limit: bytes.count) == bytes)
        let error = #expect(throws: ArtifactError.self) { try FileSystem.read(path, limit: bytes.count - 1) }
        #expect(error == .inflationLimitExceeded(path: path, limit: bytes.count - 1))
        try Data().write(to: URL(fileURLWithPath: path))
        #expect(try FileSystem.read(path, limit: 0) == [])
    }

    /// A file whose size `fstat` does not know (procfs says 0) is read in chunks to its end.
    @Test func aFileOfUnknownSizeIsReadToItsEnd() throws {
        let status = try FileSystem.read("/proc/self/status", limit: 1 << 20)
        #expect(String(decoding: status, as: UTF8.self).hasPrefix("Name:"))
        #expect(throws: ArtifactError.self) { try FileSystem.read("/proc/self/status", limit: 10) }
    }
}
