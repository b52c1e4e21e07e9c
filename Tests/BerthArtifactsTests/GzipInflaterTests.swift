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

    /// The output buffer starts at the size the trailer gives; a trailer that lies (or a later member the last
    /// trailer does not count) only changes how often it grows, never the bytes or the limit.
    @Test func aTrailerIsASizeHintNeverTrusted() throws {
        let text = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 ^ $0 >> 5) }
        let stream = ArchiveBuilder.gzip(text)
        #expect(GzipInflater.initialSize(of: stream, bound: 1 << 30) == text.count)
        for claimed: UInt32 in [0, 1, 1_000, 0xFFFF_FFFF] {
            var lying = stream
            withUnsafeBytes(of: claimed.littleEndian) { lying.replaceSubrange((lying.count - 4)..., with: $0) }
            #expect(GzipInflater.initialSize(of: lying, bound: 1 << 30) <= max(lying.count * 64, 1 << 16))
            // zlib checks the trailer's length itself: a lie is a corrupt stream, refused whatever the buffer.
            #expect(throws: GzipInflater.Failure.self) { try GzipInflater.inflate(lying, limit: 1 << 30) }
        }
        let members = ArchiveBuilder.gzip(Array(text[..<1000])) + ArchiveBuilder.gzip(Array(text[1000...]))
        #expect(try GzipInflater.inflate(members, limit: 1 << 30) == text)
        let small = ArchiveBuilder.gzip(Array(text[..<10])) + ArchiveBuilder.gzip(text)
        #expect(GzipInflater.initialSize(of: small, bound: 1 << 30) == text.count)
        #expect(try GzipInflater.inflate(small, limit: 1 << 30) == Array(text[..<10]) + text)
    }

    @Test func theLimitIsExact() throws {
        let text = [UInt8](repeating: 7, count: 200_000)
        let stream = ArchiveBuilder.gzip(text)
        #expect(try GzipInflater.inflate(stream, limit: text.count) == text)
        #expect(throws: GzipInflater.Failure.limitExceeded) { try GzipInflater.inflate(stream, limit: text.count - 1) }
        #expect(throws: GzipInflater.Failure.limitExceeded) { try GzipInflater.inflate(stream, limit: 70_000) }
    }
}
