/// The field delimiter of a CSV body, chosen from its first line the way the official XGBoost container chooses it,
/// so that tab-, semicolon- or space-separated rows answer there and here alike (docs/http-api.md).
///
/// The official container runs Python's `csv.Sniffer` over the first line's first 512 characters and falls back to
/// a comma when the sniffed delimiter is a letter or digit. On one line the sniffer counts every ASCII character
/// present as a candidate, takes the first of `,` `\t` `;` ` ` `:` that occurs, and otherwise the most frequent
/// character (the higher code on a tie). This type is that rule, byte for byte on ASCII text; quoted lines, which the
/// sniffer reads by another path, come out the same whenever their delimiter is one of the preferred five.
struct CSVDelimiter {
    /// The delimiter byte.
    let byte: UInt8

    /// How much of the first line the official container sniffs.
    static let sniffedPrefix = 512
    private static let preferred: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: "\t"), UInt8(ascii: ";"), UInt8(ascii: " "), UInt8(ascii: ":")]

    init(firstLine: UnsafeBufferPointer<UInt8>) {
        var counts = [Int](repeating: 0, count: 128)
        for byte in firstLine.prefix(Self.sniffedPrefix) where byte < 127 {
            counts[Int(byte)] += 1
        }
        if let preferred = Self.preferred.first(where: { counts[Int($0)] > 0 }) {
            byte = preferred
            return
        }
        var mostFrequent = -1
        for code in 0..<127 where counts[code] > 0 && (mostFrequent < 0 || counts[code] >= counts[mostFrequent]) {
            mostFrequent = code
        }
        let sniffed = UInt8(truncatingIfNeeded: mostFrequent)
        let isAlphanumeric = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(sniffed)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(sniffed | 0x20)
        byte = mostFrequent < 0 || isAlphanumeric ? UInt8(ascii: ",") : sniffed
    }
}
