import CDeflate

extension GzipInflater {
    /// The inflated bytes of a gzip file whose members, one after another, fit in `capacity` bytes, by libdeflate;
    /// nil when one does not fit or fails its checks (corrupt, truncated, a wrong checksum or length), when a member
    /// has a header checksum (`FHCRC`: libdeflate skips it, zlib checks it), or when anything but zero padding follows
    /// the last member: zlib then redoes the whole file, growing the buffer or naming what is wrong. Throws only when
    /// the bytes fitted but are more than `limit`.
    ///
    /// libdeflate needs all its input and room for all its output at once, which the artifact already is and which
    /// the gzip trailer sizes; the buffer is left uninitialised, so pages it never writes are never touched.
    ///
    /// libdeflate is laxer than zlib about a few encodings no compressor writes (length symbols 286 and 287,
    /// distance codes 30 and 31, too many code lengths, a one-codeword code-length code), which it decodes where zlib
    /// refuses the stream. A member must still match its own checksum and length, so such a file is one made that way
    /// on purpose, and what it inflates to is what its writer chose: it is read like any other artifact, within the
    /// same limit. On every stream zlib accepts, the two give the same bytes (`FuzzGzip` checks it).
    package static func inflateWholeMembers(_ input: [UInt8], capacity: Int, limit: Int) throws(Failure) -> [UInt8]? {
        guard let decompressor = libdeflate_alloc_decompressor() else { return nil }
        defer { libdeflate_free_decompressor(decompressor) }
        var fitted = false
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, produced in
            produced = 0
            input.withUnsafeBufferPointer { source in
                var consumed = 0
                repeat {
                    guard source.count - consumed >= 10, source[consumed + 3] & headerChecksumFlag == 0 else { return }
                    var memberIn = 0
                    var memberOut = 0
                    let result = libdeflate_gzip_decompress_ex(
                        decompressor, source.baseAddress! + consumed, source.count - consumed,
                        buffer.baseAddress! + produced, buffer.count - produced, &memberIn, &memberOut)
                    guard result == LIBDEFLATE_SUCCESS else { return }
                    consumed += memberIn
                    produced += memberOut
                } while isGzip(source[consumed...])
                // Trailing zero padding is tolerated like gzip(1) does.
                fitted = source[consumed...].allSatisfy { $0 == 0 }
            }
        }
        guard fitted else { return nil }
        guard output.count <= limit else { throw .limitExceeded }
        return output
    }

    /// `FHCRC` in a gzip header's flag byte: the low 16 bits of the header's CRC follow it.
    private static let headerChecksumFlag: UInt8 = 0x02
}
