import BerthCore
import Testing
@testable import BerthCodecs

/// libsvm, RecordIO-protobuf and NPY request bodies: the shapes they take, and every malformed body refused
/// with the right status and a message that says what is wrong.
@Suite struct BinaryAndSparseDecoderTests {
    func libsvm(_ text: String, base: Int = 0, features: Int = 3) throws(CodecError) -> FeatureBatch {
        try LibSVMDecoder(options: .init(libsvmIndexBase: base)).decode(Array(text.utf8), featureCount: features)
    }

    func expectRefused(_ kind: CodecError.Kind = .badRequest, containing fragment: String,
                       _ body: () throws(CodecError) -> FeatureBatch) {
        do {
            _ = try body()
            Issue.record("expected a refusal mentioning '\(fragment)'")
        } catch {
            #expect(error.kind == kind)
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test func libsvmAbsentFeaturesAreMissingAndTheLabelIsOptional() throws {
        let batch = try libsvm("1 0:1.5 2:-3\n2:4 # comment\n0\n\n1 qid:3 1:2e3\n")
        #expect(batch.rowCount == 4)
        let rows = (0..<4).map { Array(batch.values[$0 * 3..<$0 * 3 + 3]) }
        #expect(rows[0][0] == 1.5 && rows[0][1].isNaN && rows[0][2] == -3)
        #expect(rows[1][0].isNaN && rows[1][1].isNaN && rows[1][2] == 4)
        #expect(rows[2].allSatisfy { $0.isNaN }, "a label-only line is a row with every feature missing")
        #expect(rows[3][1] == 2000)
    }

    @Test func libsvmIndexBaseIsASettingNotAGuess() throws {
        // Zero-based rows that never use feature 0 keep their meaning (the official container shifts them).
        let zeroBased = try libsvm("1:5 2:6\n")
        #expect(zeroBased.values[0].isNaN && zeroBased.values[1] == 5 && zeroBased.values[2] == 6)
        let oneBased = try libsvm("1:5 3:6\n", base: 1)
        #expect(oneBased.values[0] == 5 && oneBased.values[1].isNaN && oneBased.values[2] == 6)
        expectRefused(containing: "indices 1…3 (BERTH_LIBSVM_INDEX_BASE=1)") { () throws(CodecError) in try libsvm("0:1\n", base: 1) }
    }

    /// The same numbers as libsvm pairs (in any order, tabs or spaces, `\r\n` or `\n`, a label or none) and as CSV
    /// fields give the same doubles bit for bit: plain pairs are read in one pass, the rest (`nan`, quoted or padded
    /// values, `+inf`) through the general field reader.
    @Test func libsvmPairsReadAsTheSameCSVFields() throws {
        let numbers = ["0", "-0", "1.5", "-1.6138", "2e3", "1E-3", "0.30000001192092896", "1234567890123456789",
                       "12345678901234567890", "1e-60", "3.4e38", "nan", "", "+7", "1.", ".5"]
        var state: UInt64 = 5
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        for _ in 0..<300 {
            let featureCount = next() % 5 + 1
            let rowCount = next() % 4 + 1
            var csv = "", svm = ""
            for _ in 0..<rowCount {
                let row = (0..<featureCount).map { _ in numbers[next() % numbers.count] }
                // An empty field is a missing value, as an absent pair is (a line of one empty field would be blank).
                csv += row.map { $0.isEmpty && featureCount == 1 ? "nan" : $0 }.joined(separator: ",") + "\n"
                let pairs = row.enumerated().filter { !$0.element.isEmpty }.map { "\($0.offset):\($0.element)" }
                let ordered = next() % 2 == 0 ? pairs : pairs.reversed()
                let label = next() % 2 == 0 || pairs.isEmpty ? "1 " : ""  // an empty line would be no row
                svm += label + ordered.joined(separator: next() % 2 == 0 ? " " : "\t") + (next() % 2 == 0 ? "\n" : "\r\n")
            }
            let options = RequestDecodingOptions(precision: .float64)
            let fromCSV = try CSVDecoder(options: options).decode(Array(csv.utf8), featureCount: featureCount)
            let fromLibSVM = try LibSVMDecoder(options: options).decode(Array(svm.utf8), featureCount: featureCount)
            #expect(fromLibSVM.doubles?.map(\.bitPattern) == fromCSV.doubles?.map(\.bitPattern) || fromLibSVM.doubles?.count == fromCSV.doubles?.count
                && zip(fromLibSVM.doubles ?? [], fromCSV.doubles ?? []).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) },
                    "\(svm) against \(csv)")
        }
    }

    @Test func libsvmMalformedLinesNameTheLine() {
        expectRefused(containing: "line 2: feature index 3 is out of range") { () throws(CodecError) in try libsvm("0:1\n3:1\n") }
        expectRefused(containing: "line 1: 'abc' is not an index:value pair") { () throws(CodecError) in try libsvm("1 abc\n") }
        expectRefused(containing: "no numeric value") { () throws(CodecError) in try libsvm("1:\n") }
        expectRefused(containing: "appears twice") { () throws(CodecError) in try libsvm("1:1 1:2\n") }
        expectRefused(containing: "does not start with a feature index") { () throws(CodecError) in try libsvm("-1:2\n") }
        expectRefused(containing: "does not start with a feature index") { () throws(CodecError) in try libsvm("1234567890:2\n") }
        expectRefused(containing: "'1:2#x' has no numeric value") { () throws(CodecError) in try libsvm("1:2#x\n") }
        expectRefused(containing: "appears twice") { () throws(CodecError) in try libsvm("1:nan 2:1 2:5\n") }
    }

    func recordIO(_ body: [UInt8], features: Int = 3) throws(CodecError) -> FeatureBatch {
        try RecordIODecoder().decode(body, featureCount: features)
    }

    @Test func recordIODenseSparseAndBare() throws {
        let dense = try recordIO(RecordIOBodies.framed([RecordIOBodies.record(values: [1, 2, 3]), RecordIOBodies.record(values: [4, 5, 6])]))
        #expect(dense.values == [1, 2, 3, 4, 5, 6])
        let sparse = try recordIO(RecordIOBodies.framed([RecordIOBodies.record(values: [7], keys: [2], shape: [3])]))
        #expect(sparse.values[0].isNaN && sparse.values[1].isNaN && sparse.values[2] == 7)
        // Without a shape, as the official container reads it: as wide as the largest key, the rest missing.
        let unshaped = try recordIO(RecordIOBodies.framed([RecordIOBodies.record(values: [7, 8], keys: [0, 1]),
                                                          RecordIOBodies.record(values: [9], keys: [2])]))
        #expect(unshaped.rowCount == 2 && unshaped.values[0] == 7 && unshaped.values[1] == 8 && unshaped.values[2].isNaN)
        #expect(unshaped.values[3].isNaN && unshaped.values[4].isNaN && unshaped.values[5] == 9)
        let bare = try recordIO(RecordIOBodies.record(values: [1, 2, 3]))
        #expect(bare.values == [1, 2, 3])
    }

    /// Keys and shape written one varint field each (unpacked) read as the packed form does, for one key or
    /// 20,000 in a record (each unpacked key once copied every key before it).
    @Test func recordIOUnpackedKeysReadAsPackedOnes() throws {
        for keyCount in [1, 20_000] {
            let keys = (0..<UInt64(keyCount)).map { $0 * 3 }
            let values = (0..<keyCount).map { Float($0) }
            let shape: [UInt64] = [UInt64(keyCount * 3)]
            let packed = try recordIO(RecordIOBodies.framed([RecordIOBodies.record(values: values, keys: keys, shape: shape)]), features: keyCount * 3)
            let unpacked = try recordIO(RecordIOBodies.framed([RecordIOBodies.record(values: values, keys: keys, shape: shape, packedKeys: false)]),
                                        features: keyCount * 3)
            #expect(unpacked.values.count == packed.values.count)
            #expect(zip(unpacked.values, packed.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
            #expect(unpacked.values[3 * (keyCount - 1)] == Float(keyCount - 1))
        }
    }

    /// A million keys written unpacked, in a 9 MB record. While each key appended to a copy of the keys before it,
    /// this read took 95 s in a debug build; it takes about a second and a half now. The time limit turns a return
    /// of that copying into a failure.
    @Test(.timeLimit(.minutes(1))) func aMillionUnpackedKeysAreReadInOnePass() throws {
        let keyCount = 1_000_000
        let record = RecordIOBodies.record(values: (0..<keyCount).map { Float($0 % 1_000) }, keys: (0..<UInt64(keyCount)).map { $0 },
                                           shape: [UInt64(keyCount)], packedKeys: false)
        let batch = try recordIO(RecordIOBodies.framed([record]), features: keyCount)
        #expect(batch.rowCount == 1 && batch.values.count == keyCount && batch.values[keyCount - 1] == 999)
    }

    @Test func recordIOPaddingOfZeroToThreeBytes() throws {
        // Sparse records with 1…4 keys have payloads of every length modulo 4.
        var lengths = Set<Int>()
        for keyCount in 1...4 {
            let record = RecordIOBodies.record(values: [Float](repeating: 1, count: keyCount), keys: (0..<UInt64(keyCount)).map { $0 }, shape: [200])
            lengths.insert(record.count % 4)
            let body = RecordIOBodies.framed([record, record])
            #expect(body.count % 4 == 0)
            let batch = try recordIO(body, features: 200)
            #expect(batch.rowCount == 2)
            #expect(batch.values.count { !$0.isNaN } == 2 * keyCount)
        }
        #expect(lengths.count == 4, "the test must cover every padding length")
    }

    /// Packed float64 values are read exactly (and kept unrounded for a model that compares doubles); packed float32
    /// values whose length is no whole number of them are refused as truncated.
    @Test func recordIOFloat64TensorsAndPackedValuesOfAnOddLength() throws {
        let doubles = [0.1, -2.5e-300, 1e300, .nan]
        let body = RecordIOBodies.framed([RecordIOBodies.record(doubles: doubles), RecordIOBodies.record(doubles: doubles.reversed())])
        let batch = try RecordIODecoder(options: .init(precision: .float64)).decode(body, featureCount: 4)
        #expect(batch.doubles?.map(\.bitPattern) == (doubles + doubles.reversed()).map(\.bitPattern))
        #expect(batch.values.map(\.bitPattern) == (doubles + doubles.reversed()).map { Float($0).bitPattern })
        let odd = RecordIOBodies.framed([RecordIOBodies.record(packedValues: [0, 0, 128, 63, 0, 0])])
        expectRefused(containing: "truncated") { () throws(CodecError) in try recordIO(odd, features: 1) }
    }

    /// Values written in pieces — several packed fields, or packed and one-value fields mixed — are one row in their
    /// written order, dense or sparse, as a single packed field would be (the decoder reads a single packed field
    /// straight into the batch and any other form through its scratch row).
    @Test(arguments: [FeaturePrecision.float32, .float64])
    func recordIOValuesWrittenInPiecesReadInOrder(precision: FeaturePrecision) throws {
        let values: [Float] = [1.5, -2, 3.25, 4, -5.5, 6]
        let splits: [[(values: [Float], packed: Bool)]] = [
            [(values, true)],
            [(Array(values[..<2]), true), (Array(values[2...]), true)],
            [(Array(values[..<3]), true), ([values[3]], false), (Array(values[4...]), true)],
            [([values[0]], false), (Array(values[1...]), true)],
            [(values, false)],
        ]
        let decoder = RecordIODecoder(options: .init(precision: precision))
        for split in splits {
            let dense = RecordIOBodies.framed([RecordIOBodies.record(pieces: split), RecordIOBodies.record(values: values.reversed())])
            let batch = try decoder.decode(dense, featureCount: 6)
            #expect(batch.values == values + values.reversed(), "\(split.map(\.values.count))")
            let keys: [UInt64] = [0, 2, 3, 5, 7, 8]
            let sparse = RecordIOBodies.framed([RecordIOBodies.record(pieces: split, keys: keys, shape: [9])])
            let row = try decoder.decode(sparse, featureCount: 9).values
            #expect(keys.indices.allSatisfy { row[Int(keys[$0])] == values[$0] } && row.count { $0.isNaN } == 3, "\(split.map(\.values.count))")
        }
        let short = RecordIOBodies.framed([RecordIOBodies.record(pieces: [(Array(values[..<2]), true)])])
        expectRefused(containing: "2") { () throws(CodecError) in try decoder.decode(short, featureCount: 6) }
    }

    @Test func recordIOMalformedBodies() {
        let good = RecordIOBodies.framed([RecordIOBodies.record(values: [1, 2, 3])])
        expectRefused(containing: "truncated") { () throws(CodecError) in try recordIO(Array(good.dropLast(8))) }
        var wrongMagic = good + good
        wrongMagic[good.count] = 0x0B
        expectRefused(containing: "record 2 at byte \(good.count) does not start with the magic") { () throws(CodecError) in try recordIO(wrongMagic) }
        var continued = good
        continued[7] |= 0x20
        expectRefused(containing: "continuation flag 1") { () throws(CodecError) in try recordIO(continued) }
        let mixed = RecordIOBodies.framed([RecordIOBodies.record(values: [1, 2, 3]), RecordIOBodies.record(values: [1], keys: [0], shape: [3])])
        expectRefused(containing: "record 1 was dense") { () throws(CodecError) in try recordIO(mixed) }
        let outside = RecordIOBodies.framed([RecordIOBodies.record(values: [1], keys: [9], shape: [3])])
        expectRefused(containing: "key 9") { () throws(CodecError) in try recordIO(outside) }
        let outsideWithoutShape = RecordIOBodies.framed([RecordIOBodies.record(values: [1], keys: [3])])
        expectRefused(containing: "key 3, outside 0…2") { () throws(CodecError) in try recordIO(outsideWithoutShape) }
        let wrongShape = RecordIOBodies.framed([RecordIOBodies.record(values: [1], keys: [0], shape: [4])])
        expectRefused(containing: "shape [4] but the model takes 3") { () throws(CodecError) in try recordIO(wrongShape) }
        let short = RecordIOBodies.framed([RecordIOBodies.record(values: [1, 2])])
        expectRefused(containing: "has 2 values but the model takes 3") { () throws(CodecError) in try recordIO(short) }
        expectRefused(containing: "not a valid protobuf Record") { () throws(CodecError) in try recordIO(Array("1,2,3\n".utf8)) }
    }

    func npy(_ descr: String, shape: String, fortran: Bool = false, data: [UInt8], version: UInt8 = 1) -> [UInt8] {
        var header = Array("{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }".utf8)
        header += repeatElement(UInt8(ascii: " "), count: 64 - (header.count + 11) % 64) + [UInt8(ascii: "\n")]
        let length = version == 1 ? [UInt8(header.count & 0xFF), UInt8(header.count >> 8)]
            : [UInt8(header.count & 0xFF), UInt8(header.count >> 8), 0, 0]
        return NPYHeader.magic + [version, 0] + length + header + data
    }

    @Test func npyOrdersAndIntegerTypes() throws {
        // [[1, 2, 3], [4, 5, 6]] stored column by column.
        let fortran = npy("<i2", shape: "(2, 3)", fortran: true, data: [1, 0, 4, 0, 2, 0, 5, 0, 3, 0, 6, 0])
        #expect(try NPYDecoder().decode(fortran, featureCount: 3).values == [1, 2, 3, 4, 5, 6])
        let signed = npy(">i4", shape: "(3,)", data: [0xFF, 0xFF, 0xFF, 0xFE, 0, 0, 0, 7, 0x80, 0, 0, 0], version: 2)
        #expect(try NPYDecoder().decode(signed, featureCount: 3).values == [-2, 7, Float(Int32.min)])
    }

    /// Little-endian floats in C order are read as a block; the same values in big-endian order, or in Fortran
    /// order, go element by element. Every layout must give the same bits, doubles too.
    @Test func npyFloatsReadAsABlockMatchTheElementByElementPath() throws {
        let doubles: [Double] = [1.5, -0.0, .nan, 3.4028235677973366e38, 1e-320, 0.1, -7.25, 16777217, 1e-45, 2.5e-38, 1, -1]
        let floats = doubles.map(Float.init)
        func bytes<T: FixedWidthInteger>(_ words: [T], bigEndian: Bool) -> [UInt8] {
            words.flatMap { word in
                withUnsafeBytes(of: bigEndian ? word.bigEndian : word.littleEndian) { Array($0) }
            }
        }
        // The 4 × 3 array transposed, for Fortran order.
        func columnMajor<T>(_ values: [T]) -> [T] { (0..<3).flatMap { column in (0..<4).map { values[$0 * 3 + column] } } }
        for keepDoubles in [false, true] {
            let decoder = NPYDecoder(options: .init(precision: keepDoubles ? .float64 : .float32))
            for (descr, data, fortranData) in [
                ("<f8", bytes(doubles.map(\.bitPattern), bigEndian: false), bytes(columnMajor(doubles).map(\.bitPattern), bigEndian: false)),
                (">f8", bytes(doubles.map(\.bitPattern), bigEndian: true), bytes(columnMajor(doubles).map(\.bitPattern), bigEndian: true)),
                ("<f4", bytes(floats.map(\.bitPattern), bigEndian: false), bytes(columnMajor(floats).map(\.bitPattern), bigEndian: false)),
                (">f4", bytes(floats.map(\.bitPattern), bigEndian: true), bytes(columnMajor(floats).map(\.bitPattern), bigEndian: true)),
            ] {
                let isDouble = descr.hasSuffix("8")
                let expectedWide = isDouble ? doubles : floats.map(Double.init)
                for batch in [try decoder.decode(npy(descr, shape: "(4, 3)", data: data), featureCount: 3),
                              try decoder.decode(npy(descr, shape: "(4, 3)", fortran: true, data: fortranData), featureCount: 3)] {
                    #expect(batch.values.map(\.bitPattern) == floats.map(\.bitPattern), "\(descr)")
                    #expect(batch.doubles?.map(\.bitPattern) == (keepDoubles ? expectedWide.map(\.bitPattern) : nil), "\(descr)")
                }
            }
        }
    }

    @Test func npyRefusals() {
        let decoder = NPYDecoder()
        expectRefused(.unsupportedContentType, containing: "'|O'") { () throws(CodecError) in
            try decoder.decode(npy("|O", shape: "(1, 3)", data: [UInt8](repeating: 0, count: 24)), featureCount: 3)
        }
        expectRefused(.unsupportedContentType, containing: "'<U3'") { () throws(CodecError) in
            try decoder.decode(npy("<U3", shape: "(1, 3)", data: []), featureCount: 3)
        }
        expectRefused(containing: "needs 24 bytes of data but the body holds 20") { () throws(CodecError) in
            try decoder.decode(npy("<f8", shape: "(1, 3)", data: [UInt8](repeating: 0, count: 20)), featureCount: 3)
        }
        expectRefused(containing: "NumPy magic") { () throws(CodecError) in try decoder.decode(Array("1,2,3".utf8), featureCount: 3) }
        var badHeader = npy("<f4", shape: "(1, 3)", data: [UInt8](repeating: 0, count: 12))
        badHeader[12] = UInt8(ascii: "[")
        expectRefused(containing: "not a valid .npy array") { () throws(CodecError) in try decoder.decode(badHeader, featureCount: 3) }
        expectRefused(containing: "shape [1, 1, 3]") { () throws(CodecError) in
            try decoder.decode(npy("<f4", shape: "(1, 1, 3)", data: [UInt8](repeating: 0, count: 12)), featureCount: 3)
        }
        expectRefused(containing: "has 2 values but the model takes 3") { () throws(CodecError) in
            try decoder.decode(npy("<f4", shape: "(1, 2)", data: [UInt8](repeating: 0, count: 8)), featureCount: 3)
        }
        expectRefused(containing: "bytes of data") { () throws(CodecError) in
            try decoder.decode(npy("<f8", shape: "(999999999999999999, 3)", data: []), featureCount: 3)
        }
    }
}
