/// A whole unpickled stream as data: every value in one arena, and the index of the stream's result.
///
/// Readers of particular models look things up by exact class and attribute names (`className(of:)`,
/// `value(forKey:in:)`) and read NumPy arrays and byte strings in the forms NumPy, joblib and each pickle protocol
/// write them — all without running anything the stream names.
public struct PickleTree: Sendable, Equatable {
    public let nodes: [PickleNode]
    public let root: Int

    public init(nodes: [PickleNode], root: Int) {
        self.nodes = nodes
        self.root = root
    }

    /// Reads `bytes` as one pickle (protocols 2 to 5, with joblib's array sections), executing nothing.
    public static func read(_ bytes: [UInt8], limits: PickleLimits = PickleLimits()) throws(PickleError) -> PickleTree {
        var machine = PickleMachine(bytes: bytes, limits: limits)
        let root = try machine.run()
        return PickleTree(nodes: machine.nodes, root: root)
    }

    public subscript(index: Int) -> PickleNode { nodes[index] }

    // MARK: - Classes

    /// The module-qualified class of the value at `index`: the class an object was made of (seeing through
    /// `copyreg._reconstructor` and NumPy's `_reconstruct`), the name itself for a bare name, nil otherwise.
    public func className(of index: Int) -> String? {
        switch nodes[index] {
        case .global(let module, let name):
            return "\(module).\(name)"
        case .object(let object):
            guard case .global(let module, let name) = nodes[object.callable] else { return nil }
            let called = "\(module).\(name)"
            if Self.constructorsNamingTheirClass.contains(called), case .tuple(let arguments) = nodes[object.arguments],
               let first = arguments.first, case .global(let classModule, let className) = nodes[first] {
                return "\(classModule).\(className)"
            }
            return called
        case .array:
            return "numpy.ndarray"
        default:
            return nil
        }
    }

    /// Calls whose first argument is the class of what they make.
    private static let constructorsNamingTheirClass: Set<String> = [
        "copyreg._reconstructor", "copy_reg._reconstructor", "copyreg.__newobj__",
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
    ]

    /// Every class the stream makes objects of, each once, in the order they first appear (for error messages).
    public func classesFound() -> [String] {
        var seen = Set<String>()
        var found = [String]()
        for index in nodes.indices {
            guard case .object = nodes[index], let name = className(of: index), !seen.contains(name) else { continue }
            seen.insert(name)
            found.append(name)
        }
        return found
    }

    // MARK: - Attributes

    /// The value stored under `key` in the state at `index`: a dict (an object's `__dict__`), or either dict of a
    /// `(state, slots)` pair — never deeper, as Python's default `__setstate__` reads it (shared tuples nested deeper
    /// would make a search of every path exponential). Keys may be `str` or Python 2 byte strings.
    public func value(forKey key: String, in index: Int) -> Int? {
        switch nodes[index] {
        case .dict:
            return dictValue(forKey: key, in: index)
        case .tuple(let parts) where parts.count == 2:
            return dictValue(forKey: key, in: parts[0]) ?? dictValue(forKey: key, in: parts[1])
        default:
            return nil
        }
    }

    private func dictValue(forKey key: String, in index: Int) -> Int? {
        guard case .dict(let entries) = nodes[index] else { return nil }
        return entries.last { text(at: $0.key) == key }?.value
    }

    /// The attribute `key` of the object at `index` (from its `BUILD` state).
    public func attribute(_ key: String, of index: Int) -> Int? {
        guard case .object(let object) = nodes[index], let state = object.state else { return nil }
        return value(forKey: key, in: state)
    }

    // MARK: - Scalars

    /// A `str`, or a byte string that is UTF-8 (Python 2 pickles, NumPy's protocol-2 arrays).
    public func text(at index: Int) -> String? {
        switch nodes[index] {
        case .string(let value): value
        case .bytes(let value): String(validating: value, as: UTF8.self)
        default: nil
        }
    }

    public func integer(at index: Int) -> Int? {
        switch nodes[index] {
        case .int(let value): Int(exactly: value)
        case .bool(let value): value ? 1 : 0
        default: nil
        }
    }

    public func number(at index: Int) -> Double? {
        switch nodes[index] {
        case .float(let value): value
        case .int(let value): Double(value)
        default: nil
        }
    }

    /// A tuple or list of integers (a shape).
    public func integers(at index: Int) -> [Int]? {
        switch nodes[index] {
        case .tuple(let items), .list(let items):
            var values = [Int]()
            for item in items {
                guard let value = integer(at: item) else { return nil }
                values.append(value)
            }
            return values
        default:
            return nil
        }
    }

    /// The bytes of a `bytes` or `bytearray` value in every form the protocols write one: raw (`BINBYTES`,
    /// `BYTEARRAY8`, Python 2's `BINSTRING`), `bytearray(b"…")`, or protocol 2's `_codecs.encode(text, "latin1")`
    /// and `bytearray(text, "latin-1")`. A call of one argument is seen through at most `maxByteWrappers` deep
    /// (picklers write one), never recursing as deep as a hostile stream nests them.
    public func bytes(at index: Int) -> [UInt8]? {
        var index = index
        for _ in 0...Self.maxByteWrappers {
            guard case .object(let object) = nodes[index], let called = className(of: object.callable),
                  Self.byteStringMakers.contains(called), case .tuple(let arguments) = nodes[object.arguments],
                  arguments.count == 1 else { return unwrappedBytes(at: index) }
            index = arguments[0]
        }
        return nil
    }

    /// Calls that make a byte string of their argument(s).
    private static let byteStringMakers: Set<String> = ["builtins.bytearray", "__builtin__.bytearray", "builtins.bytes", "_codecs.encode"]
    /// How many one-argument calls `bytes(at:)` sees through.
    static let maxByteWrappers = 4

    /// The bytes of a byte string, or of a call making one from nothing or from latin-1 text.
    private func unwrappedBytes(at index: Int) -> [UInt8]? {
        switch nodes[index] {
        case .bytes(let value):
            return value
        case .object(let object):
            guard let called = className(of: object.callable), Self.byteStringMakers.contains(called),
                  case .tuple(let arguments) = nodes[object.arguments] else { return nil }
            if arguments.isEmpty { return [] }
            guard arguments.count == 2, case .string(let text) = nodes[arguments[0]],
                  let encoding = self.text(at: arguments[1]), ["latin1", "latin-1", "iso-8859-1"].contains(encoding.lowercased()) else {
                return nil
            }
            var result = [UInt8]()
            for scalar in text.unicodeScalars {
                guard scalar.value < 256 else { return nil }
                result.append(UInt8(scalar.value))
            }
            return result
        default:
            return nil
        }
    }

    // MARK: - NumPy

    /// A NumPy dtype (`numpy.dtype` called with its type string, then `BUILD` with its byte order and size).
    public struct DType: Sendable, Equatable {
        public let kind: Character
        public let itemSize: Int
        public let isBigEndian: Bool
    }

    public func dtype(at index: Int) -> DType? {
        guard case .object(let object) = nodes[index], className(of: object.callable) == "numpy.dtype",
              case .tuple(let arguments) = nodes[object.arguments], let first = arguments.first,
              let descriptor = text(at: first), let kind = descriptor.first, kind.isLetter else { return nil }
        var itemSize = Int(descriptor.dropFirst()) ?? 0
        var isBigEndian = false
        if let state = object.state, case .tuple(let fields) = nodes[state] {
            if fields.count > 1, let order = text(at: fields[1]) { isBigEndian = order == ">" }
            if fields.count > 5, let size = integer(at: fields[5]), size > 0 { itemSize = size }
        }
        if kind == "O" { itemSize = 8 }
        guard itemSize > 0 else { return nil }
        return DType(kind: kind, itemSize: itemSize, isBigEndian: isBigEndian)
    }

    /// The array at `index` in any form it is pickled in: joblib's section, `ndarray.__reduce__`
    /// (`_reconstruct` then `BUILD` with shape, dtype, order and data), or protocol 5's `_frombuffer`.
    public func ndarray(at index: Int) -> PickledArray? {
        switch nodes[index] {
        case .array(let array):
            return array
        case .object(let object):
            guard let called = className(of: object.callable), case .tuple(let arguments) = nodes[object.arguments] else { return nil }
            if called.hasSuffix("multiarray._reconstruct") || className(of: index) == "numpy.ndarray" {
                guard let state = object.state, case .tuple(var fields) = nodes[state] else { return nil }
                if fields.count == 5 { fields.removeFirst() }  // the state's version number
                guard fields.count == 4, let shape = integers(at: fields[0]), let type = dtype(at: fields[1]) else { return nil }
                let fortran = integer(at: fields[2]) == 1
                return array(shape: shape, type: type, fortran: fortran, data: fields[3])
            }
            if called.hasSuffix("numeric._frombuffer"), arguments.count == 4, let type = dtype(at: arguments[1]),
               let shape = integers(at: arguments[2]) {
                return array(shape: shape, type: type, fortran: text(at: arguments[3]) == "F", data: arguments[0])
            }
            return nil
        default:
            return nil
        }
    }

    private func array(shape: [Int], type: DType, fortran: Bool, data: Int) -> PickledArray? {
        guard shape.allSatisfy({ $0 >= 0 }), let count = Self.elementCount(shape) else { return nil }
        if type.kind == "O" {
            guard case .list(let items) = nodes[data], items.count == count else { return nil }
            return PickledArray(kind: "O", itemSize: 8, isBigEndian: false, shape: shape, isFortranOrder: fortran, data: [], objects: items)
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: type.itemSize)
        guard !overflow, let raw = bytes(at: data), raw.count == byteCount else { return nil }
        return PickledArray(kind: type.kind, itemSize: type.itemSize, isBigEndian: type.isBigEndian, shape: shape,
                            isFortranOrder: fortran, data: raw)
    }

    /// The product of `shape`, or nil when it overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }
}
