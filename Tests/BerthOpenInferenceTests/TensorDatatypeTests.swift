import Testing
@testable import BerthOpenInference

/// Every datatype's elements become the float32 numpy's `astype(float32)` gives, from JSON and from the binary
/// tensor extension's little-endian bytes.
@Suite struct TensorDatatypeTests {
    func binary(_ datatype: TensorDatatype, _ bytes: [UInt8]) -> [Float] {
        var features = [Float]()
        bytes.withUnsafeBytes { datatype.appendFeatures($0, offset: 0, count: bytes.count / datatype.byteSize, into: &features) }
        return features
    }

    @Test func littleEndianElementsOfEveryType() {
        #expect(binary(.bool, [0, 1]) == [0, 1])
        #expect(binary(.uint8, [0, 255]) == [0, 255])
        #expect(binary(.int8, [0x80, 0x7F]) == [-128, 127])
        #expect(binary(.uint16, [0x34, 0x12]) == [0x1234])
        #expect(binary(.int16, [0xFE, 0xFF]) == [-2])
        #expect(binary(.uint32, [1, 0, 0, 0x80]) == [Float(UInt32(0x8000_0001))])
        #expect(binary(.int32, [0xFF, 0xFF, 0xFF, 0xFF]) == [-1])
        #expect(binary(.uint64, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) == [Float(UInt64.max)])
        // 2^60 + 2^36 + 1 rounds up to 2^60 + 2^37 once, as numpy rounds it; through a double it would round to the
        // tie 2^60 + 2^36 first and then down to 2^60.
        let tricky = Int64(1) << 60 + Int64(1) << 36 + 1
        let bytes = withUnsafeBytes(of: tricky.littleEndian) { Array($0) }
        #expect(binary(.int64, bytes) == [Float(Int64(1) << 60 + Int64(1) << 37)])
        #expect(Float(Double(tricky)) == Float(Int64(1) << 60))
        #expect(binary(.fp32, [0, 0, 0xC0, 0x7F])[0].isNaN)
        #expect(binary(.fp32, [0xCD, 0xCC, 0xCC, 0x3D]) == [0.1])
        #expect(binary(.fp64, [0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F]) == [Float(0.1 as Double)])
        #expect(binary(.bf16, [0x80, 0x3F]) == [1])
    }

    /// Half precision widens exactly: normal, subnormal, zero of either sign, infinities and NaN.
    @Test(arguments: [(UInt16(0x3C00), Float(1)), (0xC000, -2), (0x7BFF, 65504), (0x0001, 0x1p-24), (0x03FF, 1023 * 0x1p-24),
                      (0x0400, 0x1p-14), (0x8000, -0.0), (0x7C00, .infinity), (0xFC00, -.infinity), (0x3555, 0.333251953125)])
    func halfPrecisionWidensExactly(_ bits: UInt16, _ expected: Float) {
        let widened = TensorDatatype.widenHalf(bits)
        #expect(widened == expected && widened.sign == expected.sign)
    }

    @Test func halfNaNStaysNaN() {
        #expect(TensorDatatype.widenHalf(0x7E00).isNaN)
        #expect(binary(.fp16, [0x00, 0x3C, 0x00, 0xBC]) == [1, -1])
    }

    @Test func jsonElementsInRangeOfTheirType() {
        #expect(TensorDatatype.int8.feature(fromJSON: .number(-128)) == -128)
        #expect(TensorDatatype.int8.feature(fromJSON: .number(128)) == nil)
        #expect(TensorDatatype.uint8.feature(fromJSON: .number(-1)) == nil)
        #expect(TensorDatatype.int32.feature(fromJSON: .number(1.5)) == nil)
        #expect(TensorDatatype.uint64.feature(fromJSON: .number(0x1p64)) == nil)
        #expect(TensorDatatype.int64.feature(fromJSON: .number(-0x1p63)) == Float(-0x1p63))
        #expect(TensorDatatype.bool.feature(fromJSON: .bool(true)) == 1)
        #expect(TensorDatatype.bool.feature(fromJSON: .number(2)) == nil)
        #expect(TensorDatatype.fp32.feature(fromJSON: .bool(true)) == nil)
        #expect(TensorDatatype.fp64.feature(fromJSON: .number(0.1)) == Float(0.1 as Double))
        #expect(TensorDatatype.fp32.feature(fromJSON: .null)?.isNaN == true)
        #expect(TensorDatatype.int32.feature(fromJSON: .null) == nil)
        #expect(TensorDatatype.int32.feature(fromJSON: .number(.nan)) == nil)
        #expect(TensorDatatype.fp16.feature(fromJSON: .number(.nan))?.isNaN == true)
    }

    /// FP16 elements written in JSON are rounded as numpy's `astype(np.float16)` rounds a double (the expected values
    /// are numpy 2.3's), and one that would be infinite in FP16 is refused.
    @Test(arguments: [
        (0.1, 0.0999755859375), (65504, 65504), (65519.99, 65504), (1e-8, 0), (3e-8, 5.960464477539063e-08),
        (2.0009765625, 2), (-0.33333, -0.333251953125), (6.1e-05, 6.097555160522461e-05),
    ] as [(Double, Float)])
    func halfPrecisionJSONRoundsAsNumpy(_ value: Double, _ expected: Float) {
        #expect(TensorDatatype.fp16.feature(fromJSON: .number(value)) == expected)
    }

    @Test func elementsPastTheirFloatingPointRangeAreRefused() {
        #expect(TensorDatatype.fp16.feature(fromJSON: .number(65520)) == nil)
        #expect(TensorDatatype.fp16.feature(fromJSON: .number(-70000)) == nil)
        #expect(TensorDatatype.bf16.feature(fromJSON: .number(1e39)) == nil)
        // bfloat16 keeps 8 significant bits: ties go to the even neighbour.
        #expect(TensorDatatype.bf16.feature(fromJSON: .number(1.00390625)) == 1)
        #expect(TensorDatatype.bf16.feature(fromJSON: .number(1.01171875)) == 1.015625)
        #expect(TensorDatatype.bf16.feature(fromJSON: .number(3.0e38)) == Float(bitPattern: 0x7F62_0000))
    }
}
