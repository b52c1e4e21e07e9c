/// Writes small FlatBuffers buffers for tests that need a `.cbm` no CatBoost would save: each table's vtable, then
/// the table (every field four bytes wide), then what its fields point at, so every offset points forward as the
/// format asks.
struct FlatBufferWriter {
    /// A table's field: a scalar, or an offset to what is written after the table.
    enum Field {
        case int32(Int32)
        case int32s([Int32])
        case doubles([Double])
        case string(String)
        case table([Int: Field])
        case tables([[Int: Field]])
    }

    private var bytes = [UInt8]()

    /// The buffer whose root table holds `fields`, by field id.
    static func buffer(root fields: [Int: Field]) -> [UInt8] {
        var writer = FlatBufferWriter()
        writer.u32(0)
        let root = writer.table(fields)
        writer.patch(0, to: root)
        return writer.bytes
    }

    private mutating func table(_ fields: [Int: Field]) -> Int {
        let ids = fields.keys.sorted()
        let fieldSlots = (ids.last ?? -1) + 1
        let vtable = bytes.count
        let vtableSize = 4 + 2 * (fieldSlots + fieldSlots % 2)  // a multiple of 4, so the table stays aligned
        u16(vtableSize)
        u16(4 + 4 * ids.count)
        for id in 0 ..< vtableSize / 2 - 2 {
            u16(ids.firstIndex(of: id).map { 4 + 4 * $0 } ?? 0)
        }
        let table = bytes.count
        u32(table - vtable)
        var pointing = [(at: Int, field: Field)]()
        for id in ids {
            if case .int32(let value) = fields[id]! { u32(Int(UInt32(bitPattern: value))) } else {
                pointing.append((bytes.count, fields[id]!))
                u32(0)
            }
        }
        for (at, field) in pointing { patch(at, to: write(field)) }
        return table
    }

    /// Writes what `field` points at; returns where it starts.
    private mutating func write(_ field: Field) -> Int {
        switch field {
        case .int32: preconditionFailure("a scalar is written in its table")
        case .int32s(let values):
            return vector(values.count, alignment: 4) { for value in values { $0.u32(Int(UInt32(bitPattern: value))) } }
        case .doubles(let values):
            return vector(values.count, alignment: 8) { for value in values { $0.u32(Int(value.bitPattern & 0xFFFF_FFFF)); $0.u32(Int(value.bitPattern >> 32)) } }
        case .string(let text):
            return vector(text.utf8.count, alignment: 4) { $0.bytes += Array(text.utf8) + [0] }
        case .table(let fields):
            return table(fields)
        case .tables(let tables):
            let start = vector(tables.count, alignment: 4) { for _ in tables { $0.u32(0) } }
            for (index, fields) in tables.enumerated() { patch(start + 4 + 4 * index, to: table(fields)) }
            return start
        }
    }

    /// A vector's length, then its elements starting at a multiple of `alignment`; returns where the length is.
    private mutating func vector(_ count: Int, alignment: Int, elements: (inout FlatBufferWriter) -> Void) -> Int {
        while (bytes.count + 4) % alignment != 0 || bytes.count % 4 != 0 { bytes.append(0) }
        let start = bytes.count
        u32(count)
        elements(&self)
        while bytes.count % 4 != 0 { bytes.append(0) }
        return start
    }

    private mutating func patch(_ at: Int, to target: Int) {
        let offset = UInt32(target - at)
        for index in 0..<4 { bytes[at + index] = UInt8(truncatingIfNeeded: offset >> (8 * UInt32(index))) }
    }

    private mutating func u32(_ value: Int) { bytes += withUnsafeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, Array.init) }

    private mutating func u16(_ value: Int) { bytes += withUnsafeBytes(of: UInt16(value).littleEndian, Array.init) }
}
