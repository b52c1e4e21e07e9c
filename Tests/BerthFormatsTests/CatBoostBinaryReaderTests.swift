import BerthCore
import Testing
@testable import BerthFormats

/// `.cbm` files no CatBoost would save, written with `FlatBufferWriter`: the reader bounds what it reads by what the
/// file holds.
@Suite struct CatBoostBinaryReaderTests {
    /// A `.cbm` of one-node (leaf-only) non-symmetric trees on one float feature, an RMSE regression: tree `t` is node
    /// `t`, whose leaf's values start at `leafOffsets[t]`.
    static func oneLeafTrees(leafOffsets: [Int32], leafValues: [Double], dimension: Int32 = 1) -> [UInt8] {
        let count = leafOffsets.count
        let trees: [Int: FlatBufferWriter.Field] = [
            0: .int32(dimension),
            1: .int32s(Array(repeating: 0, count: count)),
            2: .int32s(Array(repeating: 1, count: count)),
            3: .int32s((0..<count).map(Int32.init)),
            5: .tables([[1: .int32(0), 2: .int32(0), 4: .string("x")]]),
            8: .doubles(leafValues),
            10: .int32s(Array(repeating: 0, count: count)),
            11: .int32s(leafOffsets),
        ]
        let info: [[Int: FlatBufferWriter.Field]] = [[0: .string("params"), 1: .string(#"{"loss_function":{"type":"RMSE"}}"#)]]
        let core = FlatBufferWriter.buffer(root: [1: .table(trees), 2: .tables(info)])
        return Array("CBM1".utf8) + withUnsafeBytes(of: UInt32(core.count).littleEndian, Array.init) + core
    }

    /// The honest file, each tree's leaf values its own, is served: the file is one CatBoost could have written.
    @Test func treesWithTheirOwnLeafValuesAreRead() throws {
        let loaded = try ModelReader.read(file: "model.cbm", bytes: Self.oneLeafTrees(leafOffsets: [0, 1, 2], leafValues: [0.5, 0.25, 2]))
        let model = try CPUBackend().compile(loaded.ir)
        let predictions = try #require(model.predict(FeatureBatch(rowCount: 2, columnCount: 1, values: [0, 7])).doubles)
        #expect(predictions == [2.75, 2.75])
        #expect(loaded.featureNames == ["x"])
    }

    /// Trees whose leaves all point at one leaf's values would read those values once a tree: a million one-node
    /// trees of 65,536 outputs would read half a terabyte from a file of a few megabytes. Refused, naming the tree.
    @Test func treesSharingLeafValuesAreRefused() throws {
        let error = #expect(throws: ModelReadError.self) {
            try ModelReader.read(file: "model.cbm", bytes: Self.oneLeafTrees(leafOffsets: [0, 0], leafValues: [1.5]))
        }
        #expect(error?.reason.contains("has more leaves, by tree 1, than its 1 leaves' values") == true, "\(error?.reason ?? "")")
    }
}
