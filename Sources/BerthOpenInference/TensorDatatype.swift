/// The numeric tensor element types of the Open Inference Protocol (KServe V2), and how an element of each becomes
/// the float32 feature a model reads: exactly as numpy's `astype(float32)` converts it (integers and doubles rounded
/// to the nearest float32, FP16 and BF16 widened). `BYTES` tensors hold strings, which a tabular model does not read.
public enum TensorDatatype: String, Sendable, CaseIterable {
    case bool = "BOOL"
    case uint8 = "UINT8", uint16 = "UINT16", uint32 = "UINT32", uint64 = "UINT64"
    case int8 = "INT8", int16 = "INT16", int32 = "INT32", int64 = "INT64"
    case fp16 = "FP16", bf16 = "BF16", fp32 = "FP32", fp64 = "FP64"

    /// Bytes an element takes in the binary tensor extension's little-endian layout.
    public var byteSize: Int {
        switch self {
        case .bool, .uint8, .int8: 1
        case .uint16, .int16, .fp16, .bf16: 2
        case .uint32, .int32, .fp32: 4
        case .uint64, .int64, .fp64: 8
        }
    }

    var isFloatingPoint: Bool {
        switch self {
        case .fp16, .bf16, .fp32, .fp64: true
        default: false
        }
    }

    /// The feature a JSON element gives: a number of this type's range (an integer for the integer types, `true` or
    /// `false` for BOOL), or `null` as a missing value for the floating-point types (JSON cannot spell NaN); nil
    /// when the element is none of these.
    func feature(fromJSON element: JSONElement) -> Float? {
        switch element {
        case .null:
            return isFloatingPoint ? .nan : nil
        case .bool(let flag):
            return self == .bool ? (flag ? 1 : 0) : nil
        case .number(let value):
            switch self {
            case .bool: return value == 0 || value == 1 ? Float(value) : nil
            case .fp16: return Self.narrow(value, significandBits: 11, minimumExponent: -14, overflow: 65_520)
            case .bf16: return Self.narrow(value, significandBits: 8, minimumExponent: -126, overflow: 0x1.FFp127)
            case .fp32, .fp64: return Float(value)
            default:
                guard value.rounded() == value, integerRange.contains(value) else { return nil }
                return Float(value)
            }
        }
    }

    /// The element as a double, for a model that compares doubles: an FP64 number or an integer exactly as JSON
    /// wrote it, a narrower float as the `narrowed` value `feature(fromJSON:)` gave.
    func wideFeature(fromJSON element: JSONElement, narrowed: Float) -> Double {
        if case .number(let value) = element, self == .fp64 || !isFloatingPoint { return value }
        return Double(narrowed)
    }

    /// The integers this type holds, as doubles (JSON's numbers), for range checks.
    private var integerRange: Range<Double> {
        switch self {
        case .uint8: 0..<0x1p8
        case .uint16: 0..<0x1p16
        case .uint32: 0..<0x1p32
        case .uint64: 0..<0x1p64
        case .int8: -0x1p7..<0x1p7
        case .int16: -0x1p15..<0x1p15
        case .int32: -0x1p31..<0x1p31
        case .int64: -0x1p63..<0x1p63
        default: 0..<2
        }
    }

    /// Appends the features of `count` little-endian elements starting at `offset` of `bytes`.
    func appendFeatures(_ bytes: UnsafeRawBufferPointer, offset: Int, count: Int, into features: inout [Float]) {
        features.reserveCapacity(features.count + count)
        for index in 0..<count { features.append(float(bytes, at: offset + index * byteSize)) }
    }

    /// The element at `at` as float32.
    private func float(_ bytes: UnsafeRawBufferPointer, at: Int) -> Float {
        switch self {
        case .bool, .uint8: Float(bytes[at])
        case .int8: Float(Int8(bitPattern: bytes[at]))
        case .uint16: Float(UInt16(littleEndian: load(bytes, at)))
        case .int16: Float(Int16(littleEndian: load(bytes, at)))
        case .uint32: Float(UInt32(littleEndian: load(bytes, at)))
        case .int32: Float(Int32(littleEndian: load(bytes, at)))
        case .uint64: Float(UInt64(littleEndian: load(bytes, at)))
        case .int64: Float(Int64(littleEndian: load(bytes, at)))
        case .fp16: Self.widenHalf(UInt16(littleEndian: load(bytes, at)))
        case .bf16: Float(bitPattern: UInt32(UInt16(littleEndian: load(bytes, at))) << 16)
        case .fp32: Float(bitPattern: UInt32(littleEndian: load(bytes, at)))
        case .fp64: Float(Double(bitPattern: UInt64(littleEndian: load(bytes, at))))
        }
    }

    /// Appends `count` elements of this type from `bytes` at `offset` as doubles — exact for every type (integers
    /// above 2^53 round, as numpy's `astype(np.float64)` rounds them) — for a model that compares doubles.
    func appendWideFeatures(_ bytes: UnsafeRawBufferPointer, offset: Int, count: Int, into features: inout [Double]) {
        features.reserveCapacity(features.count + count)
        for index in 0..<count {
            let at = offset + index * byteSize
            switch self {
            case .uint32: features.append(Double(UInt32(littleEndian: load(bytes, at))))
            case .int32: features.append(Double(Int32(littleEndian: load(bytes, at))))
            case .uint64: features.append(Double(UInt64(littleEndian: load(bytes, at))))
            case .int64: features.append(Double(Int64(littleEndian: load(bytes, at))))
            case .fp64: features.append(Double(bitPattern: UInt64(littleEndian: load(bytes, at))))
            default:
                // Every other type is exact as a float32 already.
                features.append(Double(float(bytes, at: at)))
            }
        }
    }

    /// A JSON number rounded straight to a binary format of `significandBits` bits (the leading one counted) whose
    /// normal numbers start at 2^`minimumExponent` — half precision or bfloat16, as numpy's `astype` rounds a double:
    /// to nearest, ties to even, below the normal range in the subnormals' steps. Nil from `overflow` (the first
    /// magnitude that rounds to infinity) on: an element outside its datatype. Every result is exact as a float32.
    static func narrow(_ value: Double, significandBits: Int, minimumExponent: Int, overflow: Double) -> Float? {
        // NaN is a missing value; an infinity is refused by the reader, which names it as one.
        guard value.isFinite else { return Float(value) }
        let magnitude = value.magnitude
        guard magnitude < overflow else { return nil }
        guard magnitude > 0 else { return Float(value) }
        let step = Double(sign: .plus, exponent: max(Int(magnitude.exponent), minimumExponent) - (significandBits - 1), significand: 1)
        let rounded = (magnitude / step).rounded(.toNearestOrEven) * step
        return Float(value < 0 ? -rounded : rounded)
    }

    /// IEEE half precision to single: exact (every half is a float). Written out because `Float16` is missing on
    /// some platforms Swift builds for.
    static func widenHalf(_ bits: UInt16) -> Float {
        let sign = UInt32(bits >> 15) << 31
        let exponent = Int(bits >> 10) & 0x1F
        let fraction = UInt32(bits & 0x3FF)
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | fraction << 13)
        }
        if exponent == 0 {
            // Zero or subnormal: fraction × 2⁻²⁴, exact in float32.
            let magnitude = Float(fraction) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | fraction << 13)
    }

    private func load<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> T {
        bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
    }
}

/// One element of a tensor's JSON `data`, as the request reader hands it over.
enum JSONElement {
    case null
    case bool(Bool)
    case number(Double)
}
