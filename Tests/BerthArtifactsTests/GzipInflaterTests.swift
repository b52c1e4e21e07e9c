import BerthTestSupport
import CZlib
import Foundation
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

    /// libdeflate inflates what fits in the buffer whole; everything else comes back nil, for zlib to redo, and
    /// never as other bytes.
    @Test func libdeflateInflatesWhatFitsAndLeavesTheRestToZlib() throws {
        let text = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 ^ $0 >> 5) }
        let stream = ArchiveBuilder.gzip(text)
        let members = ArchiveBuilder.gzip(Array(text[..<1000])) + ArchiveBuilder.gzip(Array(text[1000...]))
        for fits in [stream, members, stream + [0, 0, 0, 0]] {
            #expect(try GzipInflater.inflateWholeMembers(fits, capacity: text.count, limit: 1 << 30) == text)
        }
        #expect(try GzipInflater.inflateWholeMembers(stream, capacity: text.count - 1, limit: 1 << 30) == nil)
        #expect(try GzipInflater.inflateWholeMembers(members, capacity: text.count - 1, limit: 1 << 30) == nil)
        var corrupt = stream
        corrupt[stream.count / 2] ^= 0x5A
        var wrongLength = stream
        wrongLength[stream.count - 1] ^= 0x01
        var wrongChecksum = stream
        wrongChecksum[stream.count - 8] ^= 0x01
        for refused in [Array(stream.prefix(stream.count / 2)), Array(stream.dropLast()), corrupt, wrongLength, wrongChecksum,
                        stream + [1, 2, 3], stream + [0x1F, 0x8B]] {
            #expect(try GzipInflater.inflateWholeMembers(refused, capacity: 1 << 20, limit: 1 << 30) == nil)
        }
        #expect(throws: GzipInflater.Failure.limitExceeded) {
            try GzipInflater.inflateWholeMembers(stream, capacity: text.count, limit: text.count - 1)
        }
    }

    /// libdeflate skips a header's checksum (`FHCRC`) where zlib checks it, so such a file is left to zlib.
    @Test func aHeaderChecksumIsZlibs() throws {
        let text = Array("a header with its own checksum".utf8)
        let plain = ArchiveBuilder.gzip(text)
        var header = Array(plain[..<10])
        header[3] |= 0x02
        let checksum = UInt16(truncatingIfNeeded: header.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) })
        let checked = header + [UInt8(truncatingIfNeeded: checksum), UInt8(checksum >> 8)] + plain[10...]
        #expect(try GzipInflater.inflateWholeMembers(checked, capacity: 1 << 16, limit: 1 << 20) == nil)
        #expect(try GzipInflater.inflate(checked, limit: 1 << 20) == text)
        var wrong = checked
        wrong[10] ^= 0xFF
        #expect(throws: GzipInflater.Failure.corrupt("header crc mismatch")) { try GzipInflater.inflate(wrong, limit: 1 << 20) }
    }

    /// libdeflate decodes a length symbol no compressor writes (286, which deflate reserves) where zlib refuses it;
    /// the member's checksum and length still hold it to what its writer made (`inflateWholeMembers`).
    @Test func libdeflateReadsAReservedLengthSymbolZlibRefuses() throws {
        var bits = [Bool]()
        func write(_ value: Int, count: Int, mostSignificantFirst: Bool) {
            for index in 0..<count { bits.append(value >> (mostSignificantFirst ? count - 1 - index : index) & 1 == 1) }
        }
        write(1, count: 1, mostSignificantFirst: false)          // the last block
        write(1, count: 2, mostSignificantFirst: false)          // fixed Huffman codes
        write(0x30 + 97, count: 8, mostSignificantFirst: true)   // literal "a"
        write(0xC0 + 6, count: 8, mostSignificantFirst: true)    // length symbol 286
        write(0, count: 5, mostSignificantFirst: true)           // distance 1
        write(0, count: 7, mostSignificantFirst: true)           // end of block
        let deflate = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<min(start + 8, bits.count)].enumerated().reduce(UInt8(0)) { $0 | ($1.element ? 1 << $1.offset : 0) }
        }
        let text = [UInt8](repeating: 97, count: 1 + 258)
        let checksum = text.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
        let file = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF] + deflate
            + withUnsafeBytes(of: checksum.littleEndian, Array.init) + withUnsafeBytes(of: UInt32(text.count).littleEndian, Array.init)
        #expect(try GzipInflater.inflate(file, limit: 1 << 20) == text)
        #expect(throws: GzipInflater.Failure.corrupt("invalid literal/length code")) {
            try GzipInflater.inflateStreaming(file, capacity: 1 << 16, limit: 1 << 20, bound: (1 << 20) + 1)
        }
    }

    /// A stream libdeflate gives up on fails with zlib's own message, the same as before libdeflate was used.
    @Test func failuresAreZlibs() {
        let stream = ArchiveBuilder.gzip(Array(repeating: 42, count: 10_000) + Array(0..<255))
        var corrupt = stream
        corrupt[12] ^= 0xFF
        corrupt[13] ^= 0xFF
        var wrongChecksum = stream
        wrongChecksum[stream.count - 8] ^= 0x01
        for refused in [Array(stream.prefix(stream.count / 2)), corrupt, wrongChecksum, stream + [1, 2, 3]] {
            let viaLibdeflate = #expect(throws: GzipInflater.Failure.self) { try GzipInflater.inflate(refused, limit: 1 << 20) }
            let viaZlib = #expect(throws: GzipInflater.Failure.self) {
                try GzipInflater.inflateStreaming(refused, capacity: 1 << 16, limit: 1 << 20, bound: (1 << 20) + 1)
            }
            #expect(viaLibdeflate != nil && viaLibdeflate == viaZlib)
        }
    }

    /// Every gzip file the fixture generators wrote (Python's `gzip` and `tarfile`, a file name in the header)
    /// inflates whole with libdeflate, to the bytes zlib gives.
    @Test func bothLibrariesAgreeOnTheFixtures() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Fixtures.root).filter { !$0.hasPrefix(".") }
        var checked = 0
        for folder in folders.sorted() {
            let model = Fixtures.root + "/" + folder + "/model"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: model)) ?? [] where name.hasSuffix(".gz") {
                let bytes = try Fixtures.bytes(model + "/" + name)
                let capacity = GzipInflater.initialSize(of: bytes, bound: 1 << 30)
                let whole = try #require(try GzipInflater.inflateWholeMembers(bytes, capacity: capacity, limit: 1 << 30))
                #expect(whole == (try GzipInflater.inflateStreaming(bytes, capacity: capacity, limit: 1 << 30, bound: (1 << 30) + 1)))
                checked += 1
            }
        }
        #expect(checked >= 3)
    }
}
