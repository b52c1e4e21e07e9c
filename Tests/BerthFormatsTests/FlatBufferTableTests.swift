import Testing
@testable import BerthFormats

/// The FlatBuffers reader under `.cbm` models, on buffers written out by hand.
@Suite struct FlatBufferTableTests {
    /// A root table whose field 0 is a vector of `aliases` offsets, every one to the same table, whose field 0 is a
    /// vector of `floats` floats (1, 2, 3, …): a file of 4·(aliases + floats) bytes that reads as aliases × floats.
    static func aliasedBuffer(aliases: Int, floats: Int) -> [UInt8] {
        var buffer = [UInt8]()
        func u32(_ value: Int) { buffer += withUnsafeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, Array.init) }
        func u16(_ value: Int) { buffer += withUnsafeBytes(of: UInt16(value).littleEndian, Array.init) }
        u32(12)                                    // 0: the root table is at 12
        u16(6); u16(8); u16(4); u16(0)             // 4: its vtable: one field, at 4
        u32(8)                                     // 12: back 8 bytes to the vtable
        u32(4)                                     // 16: field 0, the vector at 20
        u32(aliases)                               // 20: the vector of offsets
        let table = 24 + 4 * aliases + 8
        for index in 0..<aliases { u32(table - (24 + 4 * index)) }
        u16(6); u16(8); u16(4); u16(0)             // the shared table's vtable
        u32(8)                                     // the shared table
        u32(4)                                     // its field 0: the floats right after
        u32(floats)
        for value in 0..<floats { u32(Int(Float(value + 1).bitPattern)) }
        return buffer
    }

    @Test func readsTablesVectorsAndScalars() throws {
        let root = try FlatBufferTable(root: Self.aliasedBuffer(aliases: 2, floats: 3))
        let tables = try root.tables(0)
        #expect(tables.count == 2)
        #expect(try tables[0].floats(0) == [1, 2, 3])
        #expect(try tables[0].floats(1).isEmpty)
        #expect(try tables[0].int32(5, default: -7) == -7)
    }

    /// Reading one vector through many aliases is charged as often as it is read: past four times the buffer, refused.
    @Test func aliasedOffsetsCannotReadTheBufferOverAndOver() throws {
        let buffer = Self.aliasedBuffer(aliases: 200, floats: 1_000)
        let root = try FlatBufferTable(root: buffer)
        let error = #expect(throws: FlatBufferTable.Malformed.self) {
            var read = 0
            for table in try root.tables(0) { read += try table.floats(0).count }
            Issue.record("read \(read) floats from \(buffer.count) bytes")
        }
        #expect(error?.reason.contains("more than 4 times over") == true)
    }
}
