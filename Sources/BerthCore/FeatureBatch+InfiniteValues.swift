/// Infinite feature values, which every request format refuses (xgboost refuses them, and no tree's answer for
/// one would mean anything): the decoders that read text number by number refuse them as they go (CSV), the rest
/// once the batch is whole (docs/http-api.md).
extension FeatureBatch {
    /// Where the first value a model would read is infinite — in the kept doubles when there are any, since a model
    /// that reads them takes a value too large for a float32 as it is — or nil when none is.
    public var firstInfiniteIndex: Int? {
        if let doubles { return Self.firstInfinite(doubles) }
        return Self.firstInfinite(values)
    }

    /// Scans a block at a time without a branch per value, so the scan is vectorised (tens of microseconds for a
    /// million values, beside the milliseconds a request that size spends in the kernel); only a block that holds
    /// an infinite value is searched.
    private static func firstInfinite<Value: BinaryFloatingPoint>(_ values: [Value]) -> Int? {
        let block = 4096
        return values.withUnsafeBufferPointer { buffer -> Int? in
            for start in stride(from: 0, to: buffer.count, by: block) {
                let range = start ..< min(start + block, buffer.count)
                var infinite: UInt8 = 0
                for index in range { infinite |= buffer[index].magnitude == .infinity ? 1 : 0 }
                if infinite != 0 { return range.first { buffer[$0].isInfinite } }
            }
            return nil
        }
    }
}
