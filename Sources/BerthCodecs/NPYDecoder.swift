import BerthCore

/// `application/x-npy` request bodies (FMT-NPY-1): one array as `np.save` writes it, format 1.0, 2.0 or 3.0.
///
/// A 2-D array is rows × features; a 1-D array is one row. Floats (`f4`, `f8`) and integers (`i1`…`i8`,
/// `u1`…`u8`, `b1`) in either byte order, in C or Fortran order, are converted to float32 as numpy's
/// `astype(np.float32)` converts them — and, for a model that compares doubles (LightGBM), also as `astype(np.float64)`
/// converts them; NaN is a missing value. Object arrays (pickles, CWE-502) and any other
/// dtype are refused with 415 before a byte of data is read.
public struct NPYDecoder: RequestDecoder {
    public let options: RequestDecodingOptions

    public init(options: RequestDecodingOptions = .init()) {
        self.options = options
    }

    public func decode(_ body: UnsafeRawBufferPointer, featureCount: Int) throws(CodecError) -> FeatureBatch {
        let bytes = body.bindMemory(to: UInt8.self)
        let header: NPYHeader
        do {
            header = try NPYHeader(bytes)
        } catch {
            throw .bad("the body is not a valid .npy array: \(error.reason)")
        }
        let dtype = try NPYElementType(descr: header.descr)
        let (rows, columns): (Int, Int)
        switch header.shape.count {
        case 1: (rows, columns) = (1, header.shape[0])
        case 2: (rows, columns) = (header.shape[0], header.shape[1])
        default:
            throw .bad("the array has shape \(header.shape); send a 2-D array (rows × \(featureCount) features) or a 1-D array for one row")
        }
        guard rows > 0 else { throw .bad("the array holds no rows") }
        guard columns == featureCount else {
            throw .bad(countMessage(fields: columns, featureCount: featureCount, subject: "each row of the array"))
        }
        let (count, countOverflow) = rows.multipliedReportingOverflow(by: columns)
        let (needed, bytesOverflow) = count.multipliedReportingOverflow(by: dtype.size)
        let available = bytes.count - header.dataOffset
        guard !countOverflow, !bytesOverflow, needed == available else {
            let size = countOverflow || bytesOverflow ? "more than \(Int.max)" : String(needed)
            throw .bad("the array's shape \(header.shape) of \(header.descr) needs \(size) bytes of data but the body holds \(available)")
        }
        let data = UnsafeRawBufferPointer(rebasing: body[header.dataOffset...])
        if !header.fortranOrder, let floats = dtype.hostOrderFloats(data, count: count, keepingDoubles: options.precision == .float64) {
            return FeatureBatch(rowCount: rows, columnCount: columns, values: floats.values, doubles: floats.doubles)
        }
        var values = [Float](repeating: 0, count: count)
        var doubles = options.precision == .float64 ? [Double](repeating: 0, count: count) : nil
        for row in 0..<rows {
            for column in 0..<columns {
                let source = header.fortranOrder ? column * rows + row : row * columns + column
                values[row * columns + column] = dtype.value(in: data, at: source)
                doubles?[row * columns + column] = dtype.wideValue(in: data, at: source)
            }
        }
        return FeatureBatch(rowCount: rows, columnCount: columns, values: values, doubles: doubles)
    }
}

/// A NumPy dtype Berth reads, from its `descr` string (`<f4`, `>f8`, `|u1`, …).
struct NPYElementType {
    enum Kind { case float, signed, unsigned, boolean }

    let kind: Kind
    let size: Int
    let bigEndian: Bool

    init(descr: String) throws(CodecError) {
        let characters = Array(descr.utf8)
        let refusal = CodecError(.unsupportedContentType, """
            the .npy array has dtype '\(excerpt(characters))', which Berth does not read: send float32, float64 or \
            integer numbers (object arrays are never loaded)
            """)
        guard characters.count >= 3, let size = Int(String(decoding: characters[2...], as: UTF8.self)) else { throw refusal }
        switch characters[0] {
        case UInt8(ascii: "<"), UInt8(ascii: "|"), UInt8(ascii: "="): bigEndian = false
        case UInt8(ascii: ">"): bigEndian = true
        default: throw refusal
        }
        switch (characters[1], size) {
        case (UInt8(ascii: "f"), 4), (UInt8(ascii: "f"), 8): kind = .float
        case (UInt8(ascii: "i"), 1), (UInt8(ascii: "i"), 2), (UInt8(ascii: "i"), 4), (UInt8(ascii: "i"), 8): kind = .signed
        case (UInt8(ascii: "u"), 1), (UInt8(ascii: "u"), 2), (UInt8(ascii: "u"), 4), (UInt8(ascii: "u"), 8): kind = .unsigned
        case (UInt8(ascii: "b"), 1): kind = .boolean
        default: throw refusal
        }
        self.size = size
    }

    /// `count` elements of float data already in the host's byte order, read as a block — copied (`f4`) or
    /// narrowed one by one (`f8`) — rather than element by element from their bytes (what `np.save` writes from an
    /// x86 or Arm machine, and so nearly every body); the same values `value(in:at:)` and `wideValue(in:at:)` give.
    /// nil for any other dtype or byte order.
    func hostOrderFloats(_ data: UnsafeRawBufferPointer, count: Int, keepingDoubles: Bool) -> (values: [Float], doubles: [Double]?)? {
        guard kind == .float, bigEndian == (UInt16(1).bigEndian == 1), count > 0, let base = data.baseAddress else { return nil }
        switch size {
        case 4:
            let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: base, byteCount: count * 4)
                initialized = count
            }
            return (values, keepingDoubles ? values.map(Double.init) : nil)
        case 8:
            let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for index in 0..<count { buffer[index] = Float(data.loadUnaligned(fromByteOffset: index * 8, as: Double.self)) }
                initialized = count
            }
            let doubles = keepingDoubles ? [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: base, byteCount: count * 8)
                initialized = count
            } : nil
            return (values, doubles)
        default:
            return nil
        }
    }

    /// Element `index` of `data`, as float32.
    func value(in data: UnsafeRawBufferPointer, at index: Int) -> Float {
        let bits = self.bits(in: data, at: index)
        switch kind {
        case .float: return size == 4 ? Float(bitPattern: UInt32(truncatingIfNeeded: bits)) : Float(Double(bitPattern: bits))
        case .unsigned, .boolean: return Float(bits)
        case .signed:
            let unused = UInt64(64 - size * 8)
            return Float(Int64(bitPattern: bits << unused) >> Int64(unused))
        }
    }

    /// Element `index` of `data`, as float64 (`astype(np.float64)`: exact for floats and for integers up to 2^53).
    func wideValue(in data: UnsafeRawBufferPointer, at index: Int) -> Double {
        let bits = self.bits(in: data, at: index)
        switch kind {
        case .float: return size == 4 ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))) : Double(bitPattern: bits)
        case .unsigned, .boolean: return Double(bits)
        case .signed:
            let unused = UInt64(64 - size * 8)
            return Double(Int64(bitPattern: bits << unused) >> Int64(unused))
        }
    }

    /// The raw bits of element `index`, in host order.
    private func bits(in data: UnsafeRawBufferPointer, at index: Int) -> UInt64 {
        var bits: UInt64 = 0
        let offset = index * size
        for byte in 0..<size {
            let shift = bigEndian ? (size - 1 - byte) * 8 : byte * 8
            bits |= UInt64(data[offset + byte]) << shift
        }
        return bits
    }
}
