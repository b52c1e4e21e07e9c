import CZlib

/// Inflates gzip (and zlib) streams in memory with a hard bound on the output size.
///
/// Two libraries do the decoding. libdeflate inflates a gzip file whose members fit the buffer its trailer sizes,
/// whole, at about twice zlib's speed (a `model.tar.gz` is the largest part of a cold start's reading): the usual
/// case. zlib redoes anything else, streaming: zlib-format files, a trailer that is short of the truth, corrupt or
/// truncated files, where its messages say what is wrong. This type owns both loops, the bound (a 1 KB file that
/// inflates to terabytes stops at the limit), concatenated gzip members (what `cat a.gz b.gz` and some writers
/// produce), and turning the libraries' codes into messages.
public enum GzipInflater {
    /// True when `bytes` start with the gzip magic `1f 8b`: a file, or the next member of one.
    public static func isGzip<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        var byte = bytes.makeIterator()
        return byte.next() == 0x1F && byte.next() == 0x8B
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
    ///
    /// The output buffer is sized at first from the gzip trailer (the last member's length modulo 2^32: exact for
    /// the usual single member, and trusted only so far: `initialSize`) or from four times the input. A gzip file
    /// whose trailer fits it is inflated whole by libdeflate (`inflateWholeMembers`); any other stream by zlib,
    /// straight into the answer and doubling the buffer when short — and one whose trailer is larger than the first
    /// buffer (over 256 MiB, or 64 times the input) goes straight to zlib, rather than being inflated up to the
    /// buffer's end only to start again.
    public static func inflate(_ input: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        // One byte beyond the limit: a stream that fills it is too large.
        let bound = limit == .max ? limit : limit + 1
        let capacity = initialSize(of: input, bound: bound)
        if let trailer = trailerLength(of: input), trailer <= capacity,
           let whole = try inflateWholeMembers(input, capacity: capacity, limit: limit) {
            return whole
        }
        return try inflateStreaming(input, capacity: capacity, limit: limit, bound: bound)
    }

    /// zlib's inflation of any gzip or zlib stream into a buffer that starts at `capacity` bytes and doubles up to
    /// `bound`; its failures name what is wrong with the stream.
    package static func inflateStreaming(_ input: [UInt8], capacity: Int, limit: Int, bound: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 32: detect gzip or zlib headers automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("zlib could not be initialised")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: capacity)
        var produced = 0
        try input.withUnsafeBufferPointer { inputBuffer throws(Failure) in
            var consumed = 0
            while true {
                var status: Int32 = Z_OK
                repeat {
                    // zlib counts in 32 bits: at most 4 GiB - 1 of input and of room offered per call.
                    let offered = min(inputBuffer.count - consumed, Int(UInt32.max))
                    stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress! + consumed)
                    stream.avail_in = UInt32(offered)
                    if produced == output.count {
                        guard output.count < bound else { throw .limitExceeded }
                        output.append(contentsOf: repeatElement(0, count: min(max(output.count, 1 << 16), bound - output.count)))
                    }
                    let room = min(output.count - produced, Int(UInt32.max))
                    status = output.withUnsafeMutableBufferPointer { buffer in
                        stream.next_out = buffer.baseAddress! + produced
                        stream.avail_out = UInt32(room)
                        return CZlib.inflate(&stream, Z_NO_FLUSH)
                    }
                    produced += room - Int(stream.avail_out)
                    consumed += offered - Int(stream.avail_in)
                    guard produced <= limit else { throw .limitExceeded }
                    switch status {
                    case Z_OK, Z_STREAM_END: break
                    case Z_BUF_ERROR where consumed == inputBuffer.count: throw .corrupt("the stream ends early (truncated file?)")
                    case Z_BUF_ERROR: continue
                    default:
                        let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                        throw .corrupt(message)
                    }
                } while status != Z_STREAM_END
                // Another gzip member may follow; trailing zero padding is tolerated like gzip(1) does.
                let rest = inputBuffer[consumed...]
                if isGzip(rest) {
                    guard inflateReset(&stream) == Z_OK else { throw .corrupt("zlib could not be reset") }
                    continue
                }
                guard rest.allSatisfy({ $0 == 0 }) else { throw .corrupt("unexpected bytes after the end of the stream") }
                return
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    /// The first size of the output buffer: a gzip stream's trailer, else four times the input; at least 64 KiB,
    /// and at most `bound`, 64 times the input and 256 MiB whatever the trailer claims — the buffer is committed
    /// before zlib has checked a byte, so a small file with a lying trailer must not cost more than that (an honest
    /// stream beyond it grows by doubling, as a bomb does until the limit).
    package static func initialSize(of input: [UInt8], bound: Int) -> Int {
        let trailer = trailerLength(of: input) ?? input.count * 4
        let (dense, overflow) = input.count.multipliedReportingOverflow(by: 64)
        return max(1, min(max(trailer, 1 << 16), overflow ? .max : max(dense, 1 << 16), 256 << 20, bound))
    }

    /// The length a gzip file's trailer gives (its last four bytes, little-endian: the last member's length modulo
    /// 2^32); nil for anything shorter than an empty gzip member or not gzip at all.
    static func trailerLength(of input: [UInt8]) -> Int? {
        guard isGzip(input), input.count >= 18 else { return nil }
        return input[(input.count - 4)...].reversed().reduce(0) { $0 << 8 | Int($1) }
    }
}
