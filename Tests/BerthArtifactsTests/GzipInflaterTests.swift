import Testing
@testable import BerthArtifacts

@Suite struct GzipInflaterTests {
    @Test func roundTripsAndConcatenatedMembers() throws {
        let text = Array("hello, model".utf8)
        #expect(try GzipInflater.inflate(ArchiveBuilder.gzip(text), limit: 1 << 20) == text)
        let two = ArchiveBuilder.gzip(Array("ab".utf8)) + ArchiveBuilder.gzip(Array("cd".utf8))
        #expect(try GzipInflater.inflate(two, limit: 1 << 20) == Array("abcd".utf8))
    }

    @Test func stopsABombAtTheLimit() {
        let bomb = ArchiveBuilder.gzip([UInt8](repeating: 0, count: 64 << 20))
        #expect(bomb.count < 100_000)
        #expect(throws: GzipInflater.Failure.limitExceeded) { try GzipInflater.inflate(bomb, limit: 1 << 20) }
    }

    @Test func refusesTruncatedAndCorruptStreams() {
        let stream = ArchiveBuilder.gzip(Array(repeating: 42, count: 10_000) + Array(0..<255))
        #expect(throws: GzipInflater.Failure.self) { try GzipInflater.inflate(Array(stream.prefix(stream.count / 2)), limit: 1 << 20) }
        var corrupt = stream
        corrupt[12] ^= 0xFF
        corrupt[13] ^= 0xFF
        #expect(throws: GzipInflater.Failure.self) { try GzipInflater.inflate(corrupt, limit: 1 << 20) }
        #expect(throws: GzipInflater.Failure.self) { try GzipInflater.inflate(stream + [1, 2, 3], limit: 1 << 20) }
    }
}
