/// Read access to one table of a FlatBuffers buffer (the format of CatBoost's `.cbm`), every offset checked.
///
/// A table starts with a signed offset back to its vtable; the vtable lists, per field id, the field's offset
/// from the table's start (0: absent, so the schema's default applies). Strings, vectors and sub-tables are
/// reached through unsigned offsets relative to where the offset is stored. Nothing here trusts the file: an
/// offset or length that leaves the buffer is an error, and vector lengths are checked against the bytes left
/// before anything is allocated. Offsets may also alias — many tables pointing at one vector, many vector entries
/// at one table — so every vector and string read is charged to one `ReadAllowance` per buffer.
struct FlatBufferTable {
    let buffer: [UInt8]
    let position: Int
    private let vtable: Int
    /// How many field ids the vtable lists.
    private let fieldCount: Int
    private let allowance: ReadAllowance

    struct Malformed: Error { let reason: String }

    /// The bytes the vectors and strings of one buffer may take when read, all reads together: a buffer holds
    /// each vector once, so past a few times its size the offsets alias one another, and a hostile 1 MB file could
    /// otherwise be read as gigabytes.
    final class ReadAllowance {
        private var bytesLeft: Int

        init(bufferSize: Int) { bytesLeft = Self.multiple * bufferSize }

        /// How many times its own size a buffer may be read (a builder may share a string between tables).
        static let multiple = 4

        func charge(_ bytes: Int) throws(Malformed) {
            guard bytes <= bytesLeft else { throw Malformed(reason: "offsets that read its vectors more than \(Self.multiple) times over") }
            bytesLeft -= bytes
        }
    }

    /// The root table of `buffer`.
    init(root buffer: [UInt8]) throws(Malformed) {
        try self.init(buffer, at: Int(try Self.uint32(buffer, 0)), allowance: ReadAllowance(bufferSize: buffer.count))
    }

    private init(_ buffer: [UInt8], at position: Int, allowance: ReadAllowance) throws(Malformed) {
        self.buffer = buffer
        self.position = position
        self.allowance = allowance
        vtable = position - Int(Int32(bitPattern: try Self.uint32(buffer, position)))
        let vtableSize = Int(try Self.uint16(buffer, vtable))
        guard vtableSize >= 4, vtableSize % 2 == 0 else { throw Malformed(reason: "a vtable of \(vtableSize) bytes at \(vtable)") }
        try Self.check(buffer, vtable, vtableSize)
        fieldCount = (vtableSize - 4) / 2
    }

    /// Where field `id` is stored, or nil when the table leaves it out.
    private func field(_ id: Int) throws(Malformed) -> Int? {
        guard id < fieldCount else { return nil }
        let offset = Int(try Self.uint16(buffer, vtable + 4 + 2 * id))
        return offset == 0 ? nil : position + offset
    }

    func int32(_ id: Int, default value: Int32) throws(Malformed) -> Int32 {
        guard let at = try field(id) else { return value }
        return Int32(bitPattern: try Self.uint32(buffer, at))
    }

    func int8(_ id: Int, default value: Int8) throws(Malformed) -> Int8 {
        guard let at = try field(id) else { return value }
        try Self.check(buffer, at, 1)
        return Int8(bitPattern: buffer[at])
    }

    func double(_ id: Int, default value: Double) throws(Malformed) -> Double {
        guard let at = try field(id) else { return value }
        return Double(bitPattern: try Self.uint64(buffer, at))
    }

    /// The sub-table in field `id`.
    func table(_ id: Int) throws(Malformed) -> FlatBufferTable? {
        guard let at = try field(id) else { return nil }
        return try FlatBufferTable(buffer, at: try Self.target(buffer, at), allowance: allowance)
    }

    func string(_ id: Int) throws(Malformed) -> String? {
        guard let at = try field(id) else { return nil }
        let position = try Self.target(buffer, at)
        let count = Int(try Self.uint32(buffer, position))
        try Self.check(buffer, position + 4, count)
        try allowance.charge(count)
        return String(decoding: buffer[position + 4 ..< position + 4 + count], as: UTF8.self)
    }

    /// Field `id` as a vector: where its elements start and how many there are, each `elementSize` bytes.
    func vector(_ id: Int, elementSize: Int) throws(Malformed) -> (start: Int, count: Int)? {
        guard let at = try field(id) else { return nil }
        let vector = try Self.target(buffer, at)
        let count = Int(try Self.uint32(buffer, vector))
        let (size, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !overflow else { throw Malformed(reason: "a vector of \(count) elements") }
        try Self.check(buffer, vector + 4, size)
        try allowance.charge(size)
        return (vector + 4, count)
    }

    func int32s(_ id: Int) throws(Malformed) -> [Int32] {
        try elements(id, size: 4) { buffer, at throws(Malformed) in Int32(bitPattern: try Self.uint32(buffer, at)) }
    }

    func floats(_ id: Int) throws(Malformed) -> [Float] {
        try elements(id, size: 4) { buffer, at throws(Malformed) in Float(bitPattern: try Self.uint32(buffer, at)) }
    }

    func doubles(_ id: Int) throws(Malformed) -> [Double] {
        try elements(id, size: 8) { buffer, at throws(Malformed) in Double(bitPattern: try Self.uint64(buffer, at)) }
    }

    /// The scalars of the vector in field `id` (none when absent), each `size` bytes read by `read`.
    private func elements<Element>(_ id: Int, size: Int,
                                   read: ([UInt8], Int) throws(Malformed) -> Element) throws(Malformed) -> [Element] {
        guard let (start, count) = try vector(id, elementSize: size) else { return [] }
        var values = [Element]()
        values.reserveCapacity(count)
        for index in 0..<count { values.append(try read(buffer, start + size * index)) }
        return values
    }

    func tables(_ id: Int) throws(Malformed) -> [FlatBufferTable] {
        guard let (start, count) = try vector(id, elementSize: 4) else { return [] }
        var tables = [FlatBufferTable]()
        for index in 0..<count { tables.append(try FlatBufferTable(buffer, at: try Self.target(buffer, start + 4 * index), allowance: allowance)) }
        return tables
    }

    // MARK: - Checked reads

    private static func check(_ buffer: [UInt8], _ at: Int, _ count: Int) throws(Malformed) {
        guard at >= 0, count >= 0, at <= buffer.count, count <= buffer.count - at else {
            throw Malformed(reason: "\(count) bytes at offset \(at) run past the \(buffer.count) bytes of the model")
        }
    }

    private static func uint16(_ buffer: [UInt8], _ at: Int) throws(Malformed) -> UInt16 {
        try check(buffer, at, 2)
        return UInt16(buffer[at]) | UInt16(buffer[at + 1]) << 8
    }

    private static func uint32(_ buffer: [UInt8], _ at: Int) throws(Malformed) -> UInt32 {
        try check(buffer, at, 4)
        return UInt32(buffer[at]) | UInt32(buffer[at + 1]) << 8 | UInt32(buffer[at + 2]) << 16 | UInt32(buffer[at + 3]) << 24
    }

    private static func uint64(_ buffer: [UInt8], _ at: Int) throws(Malformed) -> UInt64 {
        UInt64(try uint32(buffer, at)) | UInt64(try uint32(buffer, at + 4)) << 32
    }

    /// Where the unsigned offset stored at `at` points.
    private static func target(_ buffer: [UInt8], _ at: Int) throws(Malformed) -> Int {
        let (target, overflow) = at.addingReportingOverflow(Int(try uint32(buffer, at)))
        guard !overflow else { throw Malformed(reason: "an offset at \(at) overflows") }
        try check(buffer, target, 0)
        return target
    }
}
