import CZlib

/// Inflates gzip (and zlib) streams in memory with a hard bound on the output size.
///
/// zlib does the decoding; this type owns the loop, the bound (a 1 KB file that inflates to terabytes stops at
/// the limit), concatenated gzip members (what `cat a.gz b.gz` and some writers produce), and turning zlib's
/// codes into messages.
public enum GzipInflater {
    /// True when `bytes` start with the gzip magic `1f 8b`.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// True when `bytes` start with a zlib header as `compress` writes it (`78 01`, `78 5e`, `78 9c`, `78 da`: deflate,
    /// a 32 KiB window, no preset dictionary, the header's check bits right): joblib's `compress=3` files.
    public static func isZlib(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x78 && bytes[1] & 0x20 == 0 && (UInt16(bytes[0]) << 8 | UInt16(bytes[1])) % 31 == 0
    }

    public enum Failure: Error, Equatable {
        case corrupt(String)
        case limitExceeded
    }

    /// The inflated bytes, or a failure when the stream is corrupt, truncated or larger than `limit`.
    public static func inflate(_ input: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 32: detect gzip or zlib headers automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("zlib could not be initialised")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        output.reserveCapacity(min(limit, max(input.count * 4, 1 << 16)))
        let chunkSize = 1 << 18
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        return try input.withUnsafeBufferPointer { inputBuffer throws(Failure) -> [UInt8] in
            var consumed = 0
            while true {
                stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress! + consumed)
                stream.avail_in = UInt32(inputBuffer.count - consumed)
                var status: Int32 = Z_OK
                repeat {
                    status = chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                        stream.next_out = chunkBuffer.baseAddress
                        stream.avail_out = UInt32(chunkSize)
                        return CZlib.inflate(&stream, Z_NO_FLUSH)
                    }
                    let produced = chunkSize - Int(stream.avail_out)
                    guard output.count + produced <= limit else { throw .limitExceeded }
                    output.append(contentsOf: chunk[0..<produced])
                    switch status {
                    case Z_OK, Z_STREAM_END: break
                    case Z_BUF_ERROR where stream.avail_in == 0: throw .corrupt("the stream ends early (truncated file?)")
                    case Z_BUF_ERROR: continue
                    default:
                        let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                        throw .corrupt(message)
                    }
                } while status != Z_STREAM_END
                consumed = inputBuffer.count - Int(stream.avail_in)
                // Another gzip member may follow; trailing zero padding is tolerated like gzip(1) does.
                let rest = inputBuffer[consumed...]
                if rest.count >= 2, rest[consumed] == 0x1F, rest[consumed + 1] == 0x8B {
                    guard inflateReset(&stream) == Z_OK else { throw .corrupt("zlib could not be reset") }
                    continue
                }
                guard rest.allSatisfy({ $0 == 0 }) else { throw .corrupt("unexpected bytes after the end of the stream") }
                return output
            }
        }
    }
}
