import BerthJSON

/// The common large JSON body read in one pass, without building a JSON tree: `{"instances": [[…], …]}` or
/// `[[…], …]`, every row an array of exactly `featureCount` numbers or `null`s, or (with `acceptsFeaturesObject`)
/// such an array as `{"features": […]}`; and a JSON Lines record of such a row (`readRecord`). Building the tree
/// first (a `JSONValue` for every number, an array for every row) cost two thirds of a large body's decode.
///
/// It gives the same values as the general path, bit for bit: numbers read by the general reader's own
/// `JSONReader.number`, `null` as NaN. Anything else — another key, a string, any other object, a row of another
/// width, invalid JSON, content after the value — answers nil (false), and the decoder reads the body (the record)
/// the general way, which accepts every other shape and words every error.
struct JSONNumberRows {
    let featureCount: Int

    /// The body's rows appended to `values` with the number of rows, or nil (nothing appended that matters: the
    /// caller starts over).
    func read<Values: FeatureValues>(_ body: UnsafeBufferPointer<UInt8>, acceptsFeaturesObject: Bool = false,
                                     into values: inout Values) -> Int? {
        var scanner = Scanner(bytes: body)
        guard let wrapped = scanner.consumeRowsOpening() else { return nil }
        var rows = 0
        if !scanner.consume(UInt8(ascii: "]")) {
            while true {
                guard values.count + featureCount <= RequestDecodingOptions.maxValues,
                      readRowOrFeaturesObject(&scanner, acceptsFeaturesObject: acceptsFeaturesObject, into: &values) else { return nil }
                rows += 1
                scanner.skipWhitespace()
                if scanner.consume(UInt8(ascii: "]")) { break }
                guard scanner.consume(UInt8(ascii: ",")) else { return nil }
                scanner.skipWhitespace()
            }
        }
        scanner.skipWhitespace()
        if wrapped {
            guard scanner.consume(UInt8(ascii: "}")) else { return nil }
            scanner.skipWhitespace()
        }
        // A single row `[1, 2, 3]` is a bare array of numbers: the general path reads that shape.
        guard scanner.position == body.count, rows > 0 else { return nil }
        return rows
    }

    /// A body `read` accepts whose rows are arrays, cut between rows into up to `pieceCount` pieces of whole rows
    /// (`[…], […]`: without the envelope, nor the commas where it was cut) for `readRows` on several threads, each
    /// cut at the first row end after an even share; nil for any other body, or where no cut falls between rows.
    /// Should the body hold anything but number rows (a string that looks like a row's end, say), a piece reading it
    /// fails, and the body is read whole.
    func rowPieces(_ body: UnsafeBufferPointer<UInt8>, pieceCount: Int) -> [Range<Int>]? {
        var scanner = Scanner(bytes: body)
        guard let wrapped = scanner.consumeRowsOpening() else { return nil }
        let rowsStart = scanner.position
        // The envelope's end, read backwards: `]`, and `}` before it where wrapped, with whitespace around.
        var end = body.count
        func consumeBackwards(_ byte: UInt8) -> Bool {
            while end > rowsStart, Scanner.isWhitespace(body[end - 1]) { end -= 1 }
            guard end > rowsStart, body[end - 1] == byte else { return false }
            end -= 1
            return true
        }
        guard !wrapped || consumeBackwards(UInt8(ascii: "}")), consumeBackwards(UInt8(ascii: "]")),
              rowsStart < end, body[rowsStart] == UInt8(ascii: "[") else { return nil }
        let rowsEnd = end
        var pieces = [Range<Int>]()
        var start = rowsStart
        for piece in 1..<pieceCount {
            let share = rowsStart + (rowsEnd - rowsStart) / pieceCount * piece
            guard share > start, let rowEnd = body[share..<rowsEnd].firstIndex(of: UInt8(ascii: "]")) else { continue }
            var between = Scanner(bytes: UnsafeBufferPointer(rebasing: body[(rowEnd + 1)..<rowsEnd]))
            between.skipWhitespace()
            let comma = rowEnd + 1 + between.position
            // No comma: the last row's end (or no row shape at all, which its piece's reader will find).
            guard between.consume(UInt8(ascii: ",")) else { break }
            between.skipWhitespace()
            pieces.append(start..<comma)
            start = rowEnd + 1 + between.position
        }
        pieces.append(start..<rowsEnd)
        return pieces.count > 1 ? pieces : nil
    }

    /// The rows of a piece of `rowPieces` — arrays of exactly `featureCount` numbers or `null`s separated by commas,
    /// whitespace around, nothing else — appended to `values`, with the number of rows; nil for anything else.
    func readRows<Values: FeatureValues>(_ piece: UnsafeBufferPointer<UInt8>, into values: inout Values) -> Int? {
        var scanner = Scanner(bytes: piece)
        var rows = 0
        while true {
            scanner.skipWhitespace()
            guard values.count + featureCount <= RequestDecodingOptions.maxValues, readRow(&scanner, into: &values) else { return nil }
            rows += 1
            scanner.skipWhitespace()
            if scanner.position == piece.count { return rows }
            guard scanner.consume(UInt8(ascii: ",")) else { return nil }
        }
    }

    /// One JSON Lines record of plain numbers — `[…]`, or `{"features": […]}` where `acceptsFeaturesObject` —
    /// exactly `featureCount` numbers or `null`s with only whitespace around: its values appended to `values`; or
    /// false for any other record, which the general path then reads, after the caller has dropped what was
    /// appended of it.
    func readRecord<Values: FeatureValues>(_ line: UnsafeBufferPointer<UInt8>, acceptsFeaturesObject: Bool, into values: inout Values) -> Bool {
        var scanner = Scanner(bytes: line)
        scanner.skipWhitespace()
        guard readRowOrFeaturesObject(&scanner, acceptsFeaturesObject: acceptsFeaturesObject, into: &values) else { return false }
        scanner.skipWhitespace()
        return scanner.position == line.count
    }

    /// A row `[…]`, or `{"features": […]}` where `acceptsFeaturesObject`.
    private func readRowOrFeaturesObject<Values: FeatureValues>(_ scanner: inout Scanner, acceptsFeaturesObject: Bool,
                                                                into values: inout Values) -> Bool {
        guard acceptsFeaturesObject && scanner.peek == UInt8(ascii: "{") else { return readRow(&scanner, into: &values) }
        guard scanner.consume(objectOpeningWithKey: "\"features\""), readRow(&scanner, into: &values) else { return false }
        scanner.skipWhitespace()
        return scanner.consume(UInt8(ascii: "}"))
    }

    private func readRow<Values: FeatureValues>(_ scanner: inout Scanner, into values: inout Values) -> Bool {
        guard scanner.consume(UInt8(ascii: "[")) else { return false }
        for column in 0..<featureCount {
            scanner.skipWhitespace()
            if column > 0 {
                guard scanner.consume(UInt8(ascii: ",")) else { return false }
                scanner.skipWhitespace()
            }
            if scanner.consume(literal: "null") {
                values.append(.nan)
            } else {
                guard let number = scanner.number() else { return false }
                values.append(number)
            }
        }
        scanner.skipWhitespace()
        return scanner.consume(UInt8(ascii: "]"))
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while position < bytes.count && Self.isWhitespace(bytes[position]) { position += 1 }
        }

        /// JSON's whitespace: space, tab, line feed, carriage return.
        static func isWhitespace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        /// What comes before a body's first row — `{"instances": [` or `[`, whitespace around — and whether it was
        /// the object; nil for any other start.
        mutating func consumeRowsOpening() -> Bool? {
            skipWhitespace()
            let wrapped = peek == UInt8(ascii: "{")
            if wrapped {
                guard consume(objectOpeningWithKey: "\"instances\"") else { return nil }
            }
            guard consume(UInt8(ascii: "[")) else { return nil }
            skipWhitespace()
            return wrapped
        }

        /// `{`, the key (with its quotes), `:` and the whitespace around them: an object's start up to its first value.
        mutating func consume(objectOpeningWithKey key: StaticString) -> Bool {
            guard consume(UInt8(ascii: "{")) else { return false }
            skipWhitespace()
            guard consume(literal: key) else { return false }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            return true
        }

        mutating func consume(literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard bytes.count - position >= count else { return false }
            let text = literal.utf8Start
            for offset in 0..<count where bytes[position + offset] != text[offset] { return false }
            position += count
            return true
        }

        /// A number as the general reader reads it (`JSONReader.number`); nil for anything else.
        mutating func number() -> Double? {
            try? JSONReader.number(in: bytes, at: &position)
        }
    }
}
