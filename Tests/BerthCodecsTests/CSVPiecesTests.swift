import BerthCore
import Testing
@testable import BerthCodecs

/// A large CSV body read in pieces on several threads (`CSVDecoder.decodeInPieces`) gives what the one-thread
/// decoder gives: the same values bit for bit, or the same error naming the same line.
@Suite struct CSVPiecesTests {
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

    func decode(_ body: [UInt8], precision: FeaturePrecision, parallelism: RowParallelism?) -> Result<FeatureBatch, CodecError> {
        let decoder = CSVDecoder(options: RequestDecodingOptions(precision: precision, parallelism: parallelism))
        return Result { () throws(CodecError) in try decoder.decode(body, featureCount: 4) }
    }

    /// The body read both ways gives the same rows or the same error; returns whether it read.
    @discardableResult
    func expectTheSameBothWays(_ body: [UInt8], precision: FeaturePrecision = .float32, _ comment: Comment) -> Bool {
        let serial = decode(body, precision: precision, parallelism: nil)
        let pieces = decode(body, precision: precision, parallelism: Self.everyCore)
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
            #expect(body.count >= CSVDecoder.smallestBodyInPieces)
            #expect(expectTheSameBothWays(body, precision: precision, "a body of 20,000 rows"))
        }
        // It was read in pieces, not handed back to the one-thread decoder.
        let decoder = CSVDecoder(options: RequestDecodingOptions(parallelism: Self.everyCore))
        let pieces = Array(text.utf8).withUnsafeBufferPointer { decoder.decodeInPieces($0, featureCount: 4, into: Float32Values.self) }
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
}
