extension FixedWidthInteger {
    /// The integer that all of `text` spells in decimal — an optional sign (`-` only for a signed type), then digits —
    /// or nil when it spells none or one out of range: what `Self(String)` reads, without making the `String` (a
    /// model file's hundreds of thousands of node indices, each a `String` made and hashed only to be read).
    @inlinable
    public init?(decimal text: UnsafeBufferPointer<UInt8>) {
        guard let first = text.first else { return nil }
        let negative = first == UInt8(ascii: "-")
        let digits = negative || first == UInt8(ascii: "+") ? text.dropFirst() : text[...]
        guard !digits.isEmpty, !negative || Self.isSigned else { return nil }
        var value: Self = 0
        for byte in digits {
            let digit = byte &- UInt8(ascii: "0")
            guard digit <= 9 else { return nil }
            // Negative values are built downwards, so that the most negative one (one past the positive maximum) fits.
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative ? times10.subtractingReportingOverflow(Self(digit)) : times10.addingReportingOverflow(Self(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = next
        }
        self = value
    }
}
