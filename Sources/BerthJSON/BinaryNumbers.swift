/// A typed array of a binary document (UBJSON's `[$<type>#<count>`), kept as the document's own big-endian bytes
/// until a reader asks for the numbers in the type it needs.
///
/// An XGBoost model's trees are such arrays: children and features as 32-bit integers, thresholds as floats, and
/// arrays nobody serves from (parents, loss changes, base weights). Keeping the bytes means an unused array costs
/// nothing and a used one is converted once, straight into its final type, instead of through an array of doubles.
public struct BinaryNumbers: Sendable {
    /// How one element is stored: UBJSON's numeric markers.
    public enum Element: Sendable {
        case int8, uint8, int16, int32, int64, float32, float64

        /// Bytes per element.
        public var width: Int {
            switch self {
            case .int8, .uint8: 1
            case .int16: 2
            case .int32, .float32: 4
            case .int64, .float64: 8
            }
        }
    }

    public let element: Element
    /// `count × element.width` big-endian bytes.
    @usableFromInline let bytes: ArraySlice<UInt8>

    /// The numbers in `bytes`, which must hold a whole number of elements.
    public init(element: Element, bytes: ArraySlice<UInt8>) {
        precondition(bytes.count % element.width == 0, "a typed array's bytes are a whole number of elements")
        self.element = element
        self.bytes = bytes
    }

    public var count: Int { bytes.count / element.width }

    /// Every element as a double: exact, since no stored type has more precision than a double but `int64`, whose
    /// values beyond 2^53 round as `Double(_:)` rounds them.
    public var doubles: [Double] { map { $0 } }

    /// Every element converted by `transform`, in one pass with the element type decided once.
    @inlinable
    public func map<Result>(_ transform: (Double) -> Result) -> [Result] {
        switch element {
        case .int8: mapWords(Int8.self) { transform(Double($0)) }
        case .uint8: mapWords(UInt8.self) { transform(Double($0)) }
        case .int16: mapWords(Int16.self) { transform(Double($0)) }
        case .int32: mapWords(Int32.self) { transform(Double($0)) }
        case .int64: mapWords(Int64.self) { transform(Double($0)) }
        case .float32: mapWords(UInt32.self) { transform(Double(Float(bitPattern: $0))) }
        case .float64: mapWords(UInt64.self) { transform(Double(bitPattern: $0)) }
        }
    }

    @inlinable
    func mapWords<Word: FixedWidthInteger, Result>(_: Word.Type, _ transform: (Word) -> Result) -> [Result] {
        let count = bytes.count / MemoryLayout<Word>.size
        return bytes.withUnsafeBytes { source in
            [Result](unsafeUninitializedCapacity: count) { results, initialized in
                for index in 0..<count {
                    let word = Word(bigEndian: source.loadUnaligned(fromByteOffset: index * MemoryLayout<Word>.size, as: Word.self))
                    (results.baseAddress! + index).initialize(to: transform(word))
                }
                initialized = count
            }
        }
    }
}

