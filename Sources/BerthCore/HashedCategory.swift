/// A category sent as text to a model that knows its categories only by their hashes (CatBoost), carried to the
/// model in the request's double as a NaN whose payload holds the hash: every kernel that reads it as a number sees a
/// missing value, and the one-hot tests (`ObliviousForest.OneHotTest.categoryHash`) read the hash back. Quiet NaNs keep
/// their payload through every copy Berth makes of a batch's doubles; no arithmetic is done on category columns.
public enum HashedCategory {
    /// A quiet NaN, a tag bit no NaN Berth or a decoder makes carries, and the 32-bit hash in the low bits.
    private static let tag: UInt64 = 0x7FF8_0000_0000_0000 | 1 << 48

    /// The double that carries `text`'s CatBoost hash (the low 32 bits of its CityHash64 1.0.2).
    public static func value(ofText text: String) -> Double {
        Double(bitPattern: tag | UInt64(UInt32(truncatingIfNeeded: CityHash64.hash(text))))
    }

    /// The hash a value carries, or nil for any other value (a number, a plain NaN).
    public static func hash(in value: Double) -> UInt32? {
        let bits = value.bitPattern
        return bits & 0xFFFF_FFFF_0000_0000 == tag ? UInt32(truncatingIfNeeded: bits) : nil
    }
}
