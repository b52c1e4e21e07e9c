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
        let sniffed = UnsafeBufferPointer(rebasing: firstLine.prefix(Self.sniffedPrefix))
        // The first preferred delimiter present wins, so a comma anywhere decides it without counting (nearly every
        // body has one; counting into an array was a heap allocation on every CSV request).
        if sniffed.contains(UInt8(ascii: ",")) {
            byte = UInt8(ascii: ",")
            return
        }
        byte = withUnsafeTemporaryAllocation(of: Int.self, capacity: 128) { counts in
            counts.initialize(repeating: 0)
            for byte in sniffed where byte < 127 {
                counts[Int(byte)] += 1
            }
            if let preferred = Self.preferred.first(where: { counts[Int($0)] > 0 }) {
                return preferred
            }
            var mostFrequent = -1
            for code in 0..<127 where counts[code] > 0 && (mostFrequent < 0 || counts[code] >= counts[mostFrequent]) {
                mostFrequent = code
            }
            let candidate = UInt8(truncatingIfNeeded: mostFrequent)
            let isAlphanumeric = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(candidate)
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(candidate | 0x20)
            return mostFrequent < 0 || isAlphanumeric ? UInt8(ascii: ",") : candidate
        }
    }
}
