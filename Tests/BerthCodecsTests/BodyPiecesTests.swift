import BerthCore
import Synchronization
import Testing
@testable import BerthCodecs

/// A large body read in pieces on several threads (`BodyPieces`) gives what the one-thread reader gives: the same
/// values bit for bit, or the same error naming the same line or record.
@Suite struct BodyPiecesTests {
    /// Splits every large body whatever else is running, into four pieces.
    static let everyCore = RowParallelism(threadCount: 4, minimumParallelWork: 0, splitsOnlyWhenCoresAreFree: false)

    /// `rows` lines of four fields: numbers of several shapes, missing values, quoted and padded fields.
    static func lines(rows: Int, seed: UInt64) -> [String] {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let shapes: [(UInt64) -> String] = [
            { "\(Double(Int($0 % 20000) - 10000) / 1000)" }, { _ in "" }, { _ in "nan" }, { "\"\($0 % 97)\"" },
            { " \(Double($0 % 1000) / 7) " }, { "\(Double($0) * 1e-12)" }, { "-\($0 % 5)e3" },
        ]
        return (0..<rows).map { _ in (0..<4).map { _ in shapes[Int(next() % UInt64(shapes.count))](next()) }.joined(separator: ",") }
    }

    func decode(_ body: [UInt8], as format: RequestFormat, precision: FeaturePrecision,
                parallelism: RowParallelism?) -> Result<FeatureBatch, CodecError> {
        let decoder = format.decoder(options: RequestDecodingOptions(precision: precision, parallelism: parallelism))
        return Result { () throws(CodecError) in try decoder.decode(body, featureCount: 4) }
    }

    /// The body read both ways gives the same rows or the same error; returns whether it read.
    @discardableResult
    func expectTheSameBothWays(_ body: [UInt8], as format: RequestFormat = .csv, precision: FeaturePrecision = .float32,
                               _ comment: Comment) -> Bool {
        let serial = decode(body, as: format, precision: precision, parallelism: nil)
        let pieces = decode(body, as: format, precision: precision, parallelism: Self.everyCore)
        switch (serial, pieces) {
        case (.success(let one), .success(let other)):
            #expect(one.rowCount == other.rowCount && one.values.map(\.bitPattern) == other.values.map(\.bitPattern), comment)
            #expect(one.doubles?.map(\.bitPattern) == other.doubles?.map(\.bitPattern), comment)
            return true
        case (.failure(let one), .failure(let other)):
            #expect("\(one)" == "\(other)", comment)
        default:
            Issue.record("one way read the body, the other did not: \(serial) against \(pieces); \(comment)")
        }
        return false
    }

    @Test(arguments: [FeaturePrecision.float32, .float64], ["\n", "\r\n"])
    func piecesGiveTheOneThreadDecodersRows(precision: FeaturePrecision, lineEnd: String) throws {
        let text = Self.lines(rows: 20_000, seed: 3).joined(separator: lineEnd) + lineEnd + " \(lineEnd)\t\(lineEnd)"
        for body in [Array(text.utf8), [0xEF, 0xBB, 0xBF] + Array(text.utf8), text.utf8.map { $0 == UInt8(ascii: ",") ? UInt8(ascii: ";") : $0 }] {
            #expect(body.count >= BodyPieces.smallestBody)
            #expect(expectTheSameBothWays(body, precision: precision, "a body of 20,000 rows"))
        }
        // It was read in pieces, not handed back to the one-thread decoder.
        let decoder = CSVDecoder()
        let pieces = Array(text.utf8).withUnsafeBufferPointer { bytes in
            BodyPieces(linesOf: bytes, parallelism: Self.everyCore, refusesBlankLinesBeforeRows: true)?.read(featureCount: 4) { piece, index in
                try? decoder.rows(of: piece, firstLineNumber: 1, header: nil, delimiter: UInt8(ascii: ","), isBodyStart: index == 0,
                                 featureCount: 4, into: Float32Values.self)
            }
        }
        #expect(pieces?.rowCount == 20_000)
    }

    /// A blank line at and around every cut — longer than two rows, so that at some place it is the last line of a
    /// piece — is refused before a row wherever it falls; blank lines at the end are accepted.
    @Test func aBlankLineAtACutIsRefusedAsInOnePiece() throws {
        let row = "1.25,2.5,-3.75,4"
        let blank = String(repeating: " ", count: 40)
        let rowCount = 20_000
        let bytesPerLine = row.utf8.count + 1
        let bodyBytes = bytesPerLine * rowCount + blank.utf8.count + 1
        for cut in 1..<4 {
            let cutLine = bodyBytes / 4 * cut / bytesPerLine
            for blankLine in cutLine - 2...cutLine + 2 {
                var lines = Array(repeating: row, count: rowCount)
                lines.insert(blank, at: blankLine)
                #expect(!expectTheSameBothWays(Array((lines.joined(separator: "\n") + "\n").utf8), "a blank line \(blankLine)"))
            }
        }
        let trailing = Array(repeating: row, count: rowCount).joined(separator: "\n") + String(repeating: "\n \t", count: 30_000)
        #expect(expectTheSameBothWays(Array(trailing.utf8), "30,000 blank lines at the end"))
    }

    @Test func anErrorInALaterPieceNamesItsLine() throws {
        var lines = Self.lines(rows: 20_000, seed: 5)
        lines[0] = "a,b,c,d"
        #expect(!expectTheSameBothWays(Array(lines.joined(separator: "\n").utf8), "a header line"))
        for (line, text) in [(17_000, "1,2,x,4"), (19_999, "1,2,3"), (12_345, "1,2,3,4,"), (9_000, "1,inf,3,4")] {
            var lines = Self.lines(rows: 20_000, seed: 7)
            lines[line] = text
            #expect(!expectTheSameBothWays(Array(lines.joined(separator: "\n").utf8), "'\(text)' on line \(line + 1)"))
        }
    }

    /// A JSON Lines or libsvm body whose lines could fill more values than a request may (each fills every feature,
    /// `0` alone included) is read whole: pieces that each stop only at the request's limit would hold several times it.
    @Test func aBodyThatCouldFillMoreThanARequestMayIsReadWhole() throws {
        let body = Array(String(repeating: "0\n", count: 300_000).utf8)
        // Long lines: the bytes alone would allow too many rows, their count does not.
        let longLines = Array(String(repeating: "0" + String(repeating: " ", count: 198) + "\n", count: 10_000).utf8)
        for (body, featureCount, reads) in [(body, 200, 1), (body, 100, 5), (longLines, 40, 5), (longLines, 4_000, 1)] {
            let sizes = Mutex<[Int]>([])
            body.withUnsafeBufferPointer { bytes in
                // Every read refused, so that each piece, and then the whole body, is read once.
                _ = try? BodyPieces.rows(ofLines: bytes, firstLineNumber: 1, parallelism: Self.everyCore, featureCount: featureCount) {
                    piece, _ throws(CodecError) in
                    sizes.withLock { $0.append(piece.count) }
                    throw .bad("refused")
                }
            }
            let read = sizes.withLock { $0 }
            #expect(read.count == reads && read.max() == body.count, "\(featureCount) features: \(read)")
        }
    }

    /// JSON Lines and libsvm bodies: the same rows both ways, blank lines anywhere skipped; a bad record named.
    @Test(arguments: [FeaturePrecision.float32, .float64])
    func jsonLinesAndLibsvmPiecesGiveTheOneThreadReadersRows(precision: FeaturePrecision) throws {
        let rows = Self.lines(rows: 12_000, seed: 9).map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).map { field -> Double? in
                let text = field.trimmingPrefix(" ").trimmingPrefix("\"")
                return Double(text.prefix { $0 != " " && $0 != "\"" }).flatMap { $0.isNaN ? nil : $0 }
            }
        }
        var jsonLines = rows.map { "[" + $0.map { $0.map { "\($0)" } ?? "null" }.joined(separator: ", ") + "]" }
        var libsvm = rows.map { $0.enumerated().compactMap { index, value in value.map { "\(index):\($0)" } }.joined(separator: " ") }
        jsonLines.insert("", at: 5_000)
        libsvm.insert("  ", at: 7_000)
        for (format, lines) in [(RequestFormat.jsonLines, jsonLines), (.libsvm, libsvm)] {
            let body = Array(lines.joined(separator: "\n").utf8)
            #expect(body.count >= BodyPieces.smallestBody, "\(format)")
            #expect(expectTheSameBothWays(body, as: format, precision: precision, "\(format)"))
            var broken = lines
            broken[10_000] = format == .libsvm ? "1:2 x" : "[1, 2"
            #expect(!expectTheSameBothWays(Array(broken.joined(separator: "\n").utf8), as: format, precision: precision, "\(format), a bad line"))
        }
    }

    /// A JSON body of number rows, cut between rows: the same rows both ways, however the rows are spaced and
    /// wrapped; a body of any other shape read whole, with the same rows or error.
    @Test(arguments: [FeaturePrecision.float32, .float64])
    func jsonBodiesCutBetweenRowsGiveTheOneThreadReadersRows(precision: FeaturePrecision) throws {
        var state: UInt64 = 13
        let rows = (0..<12_000).map { _ in
            (0..<4).map { _ -> String in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return state >> 60 == 0 ? "null" : "\(Double(Int(state >> 40) - (1 << 23)) / 997)"
            }
        }
        let rowTexts = rows.map { "[" + $0.joined(separator: ", ") + "]" }
        let bodies = [
            "{\"instances\": [" + rowTexts.joined(separator: ", ") + "]}",
            " [\n" + rowTexts.joined(separator: " ,\n  ") + "\n] \n",
            "{ \"instances\" :\t[" + rowTexts.joined(separator: ",") + "]\r\n}",
        ]
        for text in bodies {
            let body = Array(text.utf8)
            #expect(body.count >= BodyPieces.smallestBody)
            #expect(expectTheSameBothWays(body, as: .json, precision: precision, "\(text.prefix(20))"))
            // Read in pieces, not handed back whole.
            let numberRows = JSONNumberRows(featureCount: 4)
            let pieces = body.withUnsafeBufferPointer { bytes in
                BodyPieces(bytes, parallelism: Self.everyCore, cutBy: { numberRows.rowPieces(bytes, pieceCount: $0) })?.read(featureCount: 4) { piece, _ in
                    var values = Float32Values(reservingCapacity: 0)
                    return numberRows.readRows(piece, into: &values).map { values.batch(rowCount: $0, columnCount: 4) }
                }
            }
            #expect(pieces?.rowCount == 12_000)
        }
        // Anything else in the rows, wherever it falls: read whole, as before.
        for (row, replacement) in [(9_000, "{\"features\": [1, 2, 3, 4]}"), (6_001, "[1, \"], [\", 3, 4]"), (11_999, "[1, 2, 3]"),
                                   (3_000, "[1, 2, 3, 4, 5]"), (8_500, "[1e999, 2, 3, 4]")] {
            var changed = rowTexts
            changed[row] = replacement
            expectTheSameBothWays(Array(("{\"instances\": [" + changed.joined(separator: ", ") + "]}").utf8), as: .json, precision: precision,
                                  "'\(replacement)' as row \(row + 1)")
        }
        expectTheSameBothWays(Array(("{\"instances\": [" + rowTexts.joined(separator: ", ") + "]} []").utf8), as: .json, "content after the body")
    }

    /// RecordIO bodies, cut at record headers: dense and sparse rows the same both ways; a layout that changes in a
    /// later run, a malformed or short record anywhere, named as the one-thread reader names it.
    @Test(arguments: [FeaturePrecision.float32, .float64])
    func recordIORunsGiveTheOneThreadReadersRows(precision: FeaturePrecision) throws {
        var state: UInt64 = 17
        func value() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40) - (1 << 23)) / 997
        }
        let dense = (0..<8_000).map { _ in RecordIOBodies.record(values: (0..<4).map { _ in value() }) }
        let sparse = (0..<8_000).map { row in RecordIOBodies.record(values: [value(), value()], keys: [UInt64(row % 4), 3], shape: [4]) }
        for (name, records) in [("dense", dense), ("sparse", sparse)] {
            let body = RecordIOBodies.framed(records)
            #expect(body.count >= BodyPieces.smallestBody, "\(name)")
            #expect(expectTheSameBothWays(body, as: .recordIO, precision: precision, "\(name) records"))
            // Read in runs, not handed back whole.
            let runs = body.withUnsafeBufferPointer { bytes in
                RecordIODecoder.batchInPieces(bytes, try! RecordIOFraming.records(in: bytes), featureCount: 4, parallelism: Self.everyCore,
                                              into: Float32Values.self)
            }
            #expect(runs?.rowCount == 8_000, "\(name)")
        }
        let short = [RecordIOBodies.record(values: [1, 2, 3])]
        let notProtobuf: [[UInt8]] = [[0xFF, 0xFF, 0xFF]]
        let broken: [(String, [[UInt8]])] = [
            // Four runs of 2,000 records: the layout changes inside a run, and where a run starts.
            ("a sparse record among dense ones", Array(dense.prefix(7_000)) + Array(sparse.prefix(1_000))),
            ("sparse records from a run's start", Array(dense.prefix(6_000)) + Array(sparse.prefix(2_000))),
            ("dense records from a run's start", Array(sparse.prefix(4_000)) + Array(dense.prefix(4_000))),
            ("a short record", Array(dense.prefix(5_000)) + short + Array(dense.prefix(2_999))),
            ("a record that is not protobuf", Array(dense.prefix(6_500)) + notProtobuf + Array(dense.prefix(1_499))),
        ]
        for (name, records) in broken {
            #expect(!expectTheSameBothWays(RecordIOBodies.framed(records), as: .recordIO, precision: precision, "\(name)"))
        }
    }
}
