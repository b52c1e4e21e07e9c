import CZlib

/// Builds tar archives and gzip streams byte by byte, so each test states exactly which hostile entry it sends.
enum ArchiveBuilder {
    struct Member {
        var name: String
        var type: UInt8 = UInt8(ascii: "0")
        var data: [UInt8] = []
        var declaredSize: Int?
        var linkName = ""
    }

    static func header(_ member: Member, magic: String = "ustar\u{0}00") -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, length: Int) {
            for (index, byte) in text.utf8.prefix(length).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int, width: Int) -> String {
            let digits = String(value, radix: 8)
            return String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
        }
        put(member.name, at: 0, length: 100)
        put(octal(0o644, width: 8), at: 100, length: 7)
        put(octal(0, width: 8), at: 108, length: 7)
        put(octal(0, width: 8), at: 116, length: 7)
        put(octal(member.declaredSize ?? member.data.count, width: 12), at: 124, length: 11)
        put(octal(0, width: 12), at: 136, length: 11)
        block[156] = member.type
        put(member.linkName, at: 157, length: 100)
        put(magic, at: 257, length: 8)
        for index in 148..<156 { block[index] = UInt8(ascii: " ") }
        let sum = block.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7) + "\u{0}", at: 148, length: 8)
        return block
    }

    static func tar(_ members: [Member], terminate: Bool = true) -> [UInt8] {
        var archive = [UInt8]()
        for member in members {
            archive += header(member)
            archive += member.data
            archive += [UInt8](repeating: 0, count: (512 - member.data.count % 512) % 512)
        }
        if terminate { archive += [UInt8](repeating: 0, count: 1024) }
        return archive
    }

    /// A pax extended header carrying `records` for the member that follows.
    static func pax(_ records: [String: String]) -> Member {
        var data = [UInt8]()
        for (key, value) in records.sorted(by: { $0.key < $1.key }) {
            let body = " \(key)=\(value)\n"
            var length = body.utf8.count + 1
            while String(length).utf8.count + body.utf8.count != length { length += 1 }
            data += Array((String(length) + body).utf8)
        }
        return Member(name: "PaxHeader", type: UInt8(ascii: "x"), data: data)
    }

    static func gzip(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        precondition(deflateInit2_(&stream, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        var input = input
        let produced = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<produced])
    }
}
