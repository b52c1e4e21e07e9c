/// Infinite feature values, which every request format refuses (xgboost refuses them, and no tree's answer for
/// one would mean anything): the decoders that read text number by number refuse them as they go (CSV), the rest
/// once the batch is whole (docs/http-api.md).
extension FeatureBatch {
    /// Where the first value a model would read is infinite — in the kept doubles when there are any, since a model
    /// that reads them takes a value too large for a float32 as it is — or nil when none is.
    public var firstInfiniteIndex: Int? {
        if let doubles {
            return doubles.withUnsafeBufferPointer { values in
                values.withMemoryRebound(to: UInt64.self) { Self.firstInfinite($0, infinity: Double.infinity.bitPattern) }
            }
        }
        return values.withUnsafeBufferPointer { values in
            values.withMemoryRebound(to: UInt32.self) { Self.firstInfinite($0, infinity: Float.infinity.bitPattern) }
        }
    }

    /// Scans the values' bits a block at a time (`infinity` is +∞'s bits: a value is infinite when its bits without
    /// the sign are those) keeping the least difference from them, a minimum the compiler vectorises — about 60 µs
    /// for 280,000 float32s, where comparing one magnitude at a time stayed scalar and took 270 — and searches only
    /// a block whose least difference is none.
    private static func firstInfinite<Bits: FixedWidthInteger & UnsignedInteger>(_ bits: UnsafeBufferPointer<Bits>, infinity: Bits) -> Int? {
        let block = 4096
        let magnitude = Bits.max >> 1
        guard let base = bits.baseAddress else { return nil }
        var start = 0
        while start < bits.count {
            let values = base + start, count = min(block, bits.count - start)
            var least = Bits.max
            for offset in 0..<count { least = min(least, values[offset] & magnitude ^ infinity) }
            if least == 0 { return start + (0..<count).first { values[$0] & magnitude == infinity }! }
            start += count
        }
        return nil
    }
}
