/// CityHash64 as Google's CityHash 1.0.2 defines it (not the 1.1 mainline, whose short-string hashes differ): what
/// CatBoost hashes category values with (`CalcCatFeatureHash` keeps the low 32 bits), so Berth can find a request's
/// category among a model's one-hot values. Little-endian reads, as on every machine Berth runs on.
public enum CityHash64 {
    private static let k0: UInt64 = 0xc3a5_c85c_97cb_3127
    private static let k1: UInt64 = 0xb492_b66f_be98_f273
    private static let k2: UInt64 = 0x9ae1_6a3b_2f90_404f
    private static let k3: UInt64 = 0xc949_d7c7_509e_6557

    /// The hash of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { hash(UnsafeRawBufferPointer($0)) }
    }

    /// The hash of `text`'s UTF-8 bytes.
    public static func hash(_ text: String) -> UInt64 {
        hash(Array(text.utf8))
    }

    static func hash(_ s: UnsafeRawBufferPointer) -> UInt64 {
        let length = s.count
        if length <= 16 { return hash0to16(s) }
        if length <= 32 { return hash17to32(s) }
        if length <= 64 { return hash33to64(s) }
        var x = load64(s, 0)
        var y = load64(s, length - 16) ^ k1
        var z = load64(s, length - 56) ^ k0
        var v = weakHash32(s, length - 64, UInt64(length), y)
        var w = weakHash32(s, length - 32, UInt64(length) &* k1, k0)
        z = z &+ shiftMix(v.1) &* k1
        x = rotate(z &+ x, 39) &* k1
        y = rotate(y, 33) &* k1
        var offset = 0
        var remaining = (length - 1) & ~63
        repeat {
            x = rotate(x &+ y &+ v.0 &+ load64(s, offset + 16), 37) &* k1
            y = rotate(y &+ v.1 &+ load64(s, offset + 48), 42) &* k1
            x ^= w.1
            y ^= v.0
            z = rotate(z ^ w.0, 33)
            v = weakHash32(s, offset, v.1 &* k1, x &+ w.0)
            w = weakHash32(s, offset + 32, z &+ w.1, y)
            swap(&z, &x)
            offset += 64
            remaining -= 64
        } while remaining != 0
        return hash16(hash16(v.0, w.0) &+ shiftMix(y) &* k1 &+ z, hash16(v.1, w.1) &+ x)
    }

    private static func load64(_ s: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: s.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    private static func load32(_ s: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(UInt32(littleEndian: s.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }

    private static func rotate(_ value: UInt64, _ shift: UInt64) -> UInt64 {
        shift == 0 ? value : (value >> shift) | (value << (64 - shift))
    }

    private static func shiftMix(_ value: UInt64) -> UInt64 { value ^ (value >> 47) }

    /// Two 64-bit words to one (CityHash's `Hash128to64`, low word first).
    private static func hash16(_ low: UInt64, _ high: UInt64) -> UInt64 {
        let multiplier: UInt64 = 0x9ddf_ea08_eb38_2d69
        var a = (low ^ high) &* multiplier
        a ^= a >> 47
        var b = (high ^ a) &* multiplier
        b ^= b >> 47
        return b &* multiplier
    }

    private static func hash0to16(_ s: UnsafeRawBufferPointer) -> UInt64 {
        let length = s.count
        if length > 8 {
            let a = load64(s, 0), b = load64(s, length - 8)
            return hash16(a, rotate(b &+ UInt64(length), UInt64(length))) ^ b
        }
        if length >= 4 {
            return hash16(UInt64(length) &+ (load32(s, 0) << 3), load32(s, length - 4))
        }
        if length > 0 {
            let a = UInt32(s[0]), b = UInt32(s[length >> 1]), c = UInt32(s[length - 1])
            let y = a &+ (b << 8), z = UInt32(length) &+ (c << 2)
            return shiftMix(UInt64(y) &* k2 ^ UInt64(z) &* k3) &* k2
        }
        return k2
    }

    private static func hash17to32(_ s: UnsafeRawBufferPointer) -> UInt64 {
        let length = s.count
        let a = load64(s, 0) &* k1, b = load64(s, 8)
        let c = load64(s, length - 8) &* k2, d = load64(s, length - 16) &* k0
        return hash16(rotate(a &- b, 43) &+ rotate(c, 30) &+ d, a &+ rotate(b ^ k3, 20) &- c &+ UInt64(length))
    }

    private static func hash33to64(_ s: UnsafeRawBufferPointer) -> UInt64 {
        let length = s.count
        var z = load64(s, 24)
        var a = load64(s, 0) &+ (UInt64(length) &+ load64(s, length - 16)) &* k0
        var b = rotate(a &+ z, 52)
        var c = rotate(a, 37)
        a = a &+ load64(s, 8)
        c = c &+ rotate(a, 7)
        a = a &+ load64(s, 16)
        let vf = a &+ z, vs = b &+ rotate(a, 31) &+ c
        a = load64(s, 16) &+ load64(s, length - 32)
        z = load64(s, length - 8)
        b = rotate(a &+ z, 52)
        c = rotate(a, 37)
        a = a &+ load64(s, length - 24)
        c = c &+ rotate(a, 7)
        a = a &+ load64(s, length - 16)
        let wf = a &+ z, ws = b &+ rotate(a, 31) &+ c
        let r = shiftMix((vf &+ ws) &* k2 &+ (wf &+ vs) &* k0)
        return shiftMix(r &* k0 &+ vs) &* k2
    }

    /// 16 bytes of hash from the 32 bytes at `offset` and two seeds.
    private static func weakHash32(_ s: UnsafeRawBufferPointer, _ offset: Int, _ seedA: UInt64, _ seedB: UInt64) -> (UInt64, UInt64) {
        let w = load64(s, offset), x = load64(s, offset + 8), y = load64(s, offset + 16), z = load64(s, offset + 24)
        var a = seedA &+ w
        var b = rotate(seedB &+ a &+ z, 21)
        let c = a
        a = a &+ x
        a = a &+ y
        b = b &+ rotate(a, 44)
        return (a &+ z, b &+ c)
    }
}
