/// One value of an unpickled stream, as data: what `pickle.load` would have built, except that nothing was
/// imported and nothing was called.
///
/// A class reference (`GLOBAL`, `STACK_GLOBAL`) stays a `.global` name; a call (`REDUCE`, `NEWOBJ`, `OBJ`, `INST`)
/// stays an `.object` naming what would have been called with which arguments, and `BUILD`, `APPENDS` and
/// `SETITEMS` on it are recorded instead of run. Containers hold `PickleTree` indices, because pickles share and
/// mutate objects through the memo (and may even hold cycles), which an index into one arena expresses without
/// reference counting.
public enum PickleNode: Sendable, Equatable {
    case none
    case bool(Bool)
    /// An integer that fits in 64 bits.
    case int(Int64)
    /// A larger integer, as pickle stores it: little-endian two's complement bytes.
    case bigInt([UInt8])
    case float(Double)
    /// A Python 3 `str` (UTF-8 in the stream).
    case string(String)
    /// `bytes`, `bytearray`, or a Python 2 `str` (`STRING`, `BINSTRING`).
    case bytes([UInt8])
    case tuple([Int])
    case list([Int])
    case dict([PickleEntry])
    case set([Int])
    /// `module.name`: a class or function named by the stream, never imported.
    case global(module: String, name: String)
    /// Something the stream would have built by calling `callable`.
    case object(PickleObject)
    /// A NumPy array joblib wrote beside the pickle (its `NumpyArrayWrapper`), with its data read.
    case array(PickledArray)
}

/// A key and its value in a pickled `dict` (or an object's `SETITEMS`), both tree indices.
public struct PickleEntry: Sendable, Equatable {
    public var key: Int
    public var value: Int

    public init(key: Int, value: Int) {
        self.key = key
        self.value = value
    }
}

/// A call the stream asks for, recorded instead of made: `callable(*arguments)`, then `__setstate__(state)` or a
/// `__dict__` update (`BUILD`), then `append`s and `__setitem__`s.
public struct PickleObject: Sendable, Equatable {
    /// The index of what would be called (usually a `.global`).
    public var callable: Int
    /// The index of the argument tuple.
    public var arguments: Int
    /// How it was called: `REDUCE`'s `callable(*args)` or `NEWOBJ`'s `cls.__new__(cls, *args)`.
    public var isNewObject: Bool
    /// The index of the `BUILD` state, when the stream set one.
    public var state: Int?
    /// What `APPEND`/`APPENDS` added to it.
    public var appended: [Int] = []
    /// What `SETITEM`/`SETITEMS` set on it.
    public var items: [PickleEntry] = []

    public init(callable: Int, arguments: Int, isNewObject: Bool) {
        self.callable = callable
        self.arguments = arguments
        self.isNewObject = isNewObject
    }
}

/// A NumPy array's bytes and how to read them, from joblib's array section or a pickled `ndarray`.
public struct PickledArray: Sendable, Equatable {
    /// NumPy's type string without the byte order: `f8`, `i8`, `u1`, `b1`, `U5` (a fixed-width string), `O` (objects).
    public var kind: Character
    /// Bytes per element.
    public var itemSize: Int
    public var isBigEndian: Bool
    public var shape: [Int]
    public var isFortranOrder: Bool
    /// The element bytes, for every kind but objects.
    public var data: [UInt8]
    /// For object arrays: the tree index of each element, in storage order.
    public var objects: [Int]

    public init(kind: Character, itemSize: Int, isBigEndian: Bool, shape: [Int], isFortranOrder: Bool,
                data: [UInt8], objects: [Int] = []) {
        self.kind = kind
        self.itemSize = itemSize
        self.isBigEndian = isBigEndian
        self.shape = shape
        self.isFortranOrder = isFortranOrder
        self.data = data
        self.objects = objects
    }

    /// The number of elements: the product of the shape (0 if it overflows, which no array the reader builds does).
    public var elementCount: Int { PickleTree.elementCount(shape) ?? 0 }

    /// Whether `data` holds exactly the shape's elements of `itemSize` bytes, with no product overflowing.
    var dataMatchesShape: Bool {
        guard shape.allSatisfy({ $0 >= 0 }), let count = PickleTree.elementCount(shape), itemSize > 0 else { return false }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: itemSize)
        return !overflow && byteCount == data.count
    }
}

extension PickledArray {
    /// The elements as numbers, for boolean, integer and float arrays (in storage order); nil for other kinds.
    public func numbers() -> [Double]? {
        guard kind != "O", dataMatchesShape else { return nil }
        var values = [Double]()
        values.reserveCapacity(elementCount)
        for element in 0..<elementCount {
            var bits: UInt64 = 0
            for byteIndex in 0..<min(itemSize, 8) {
                let byte = data[element * itemSize + (isBigEndian ? itemSize - 1 - byteIndex : byteIndex)]
                bits |= UInt64(byte) << (8 * UInt64(byteIndex))
            }
            switch (kind, itemSize) {
            case ("f", 8): values.append(Double(bitPattern: bits))
            case ("f", 4): values.append(Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))))
            case ("i", 1), ("i", 2), ("i", 4), ("i", 8):
                let shift = UInt64(64 - 8 * itemSize)
                values.append(Double(Int64(bitPattern: bits << shift) >> Int64(shift)))
            case ("u", 1), ("u", 2), ("u", 4), ("u", 8), ("b", 1): values.append(Double(bits))
            default: return nil
            }
        }
        return values
    }

    /// The elements as text, for fixed-width string arrays (`U`, UTF-32) and object arrays of strings.
    public func strings(in tree: PickleTree) -> [String]? {
        if kind == "O" {
            var values = [String]()
            for object in objects {
                guard let text = tree.text(at: object) else { return nil }
                values.append(text)
            }
            return values
        }
        guard kind == "U", itemSize % 4 == 0, dataMatchesShape else { return nil }
        var values = [String]()
        for element in 0..<elementCount {
            var scalars = String.UnicodeScalarView()
            for character in 0..<(itemSize / 4) {
                var code: UInt32 = 0
                for byteIndex in 0..<4 {
                    let byte = data[element * itemSize + character * 4 + (isBigEndian ? 3 - byteIndex : byteIndex)]
                    code |= UInt32(byte) << (8 * UInt32(byteIndex))
                }
                if code == 0 { break }
                guard let scalar = Unicode.Scalar(code) else { return nil }
                scalars.append(scalar)
            }
            values.append(String(scalars))
        }
        return values
    }
}
