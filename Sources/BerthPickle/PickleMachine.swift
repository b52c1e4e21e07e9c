import BerthText

/// Runs a pickle's opcodes into a `PickleTree`, executing nothing.
///
/// Pickle is a stack machine: opcodes push values, build containers from the values since the last `MARK`, and
/// ask for calls. Here a call is recorded as a `PickleObject` node and a class reference stays a name, so reading a
/// hostile pickle can do no more than fail. Joblib's files are pickles with NumPy arrays written raw right after
/// the `BUILD` of their `NumpyArrayWrapper`; the machine reads those sections in place, as joblib's unpickler does.
struct PickleMachine {
    private let bytes: [UInt8]
    private let limits: PickleLimits
    private(set) var nodes: [PickleNode] = []
    private var position = 0
    private var nesting = 0

    init(bytes: [UInt8], limits: PickleLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// The stack and memo of one stream; a nested stream (joblib's object arrays) gets its own.
    ///
    /// The stack's operations live here, not on the machine: `frame.push(node(…))` leaves the machine alone while
    /// `node` appends to its arena, where a non-mutating call on the machine would hold a copy of it and make every
    /// append copy the whole arena (a stream of n values then took n² steps to read).
    private struct Frame {
        let maxStackDepth: Int
        var stack: [Int] = []
        var marks: [Int] = []
        var memo: [Int: Int] = [:]

        mutating func push(_ index: Int) throws(PickleError) {
            guard stack.count < maxStackDepth else { throw PickleMachine.fail("more than \(maxStackDepth) values on the stack") }
            stack.append(index)
        }

        mutating func pop() throws(PickleError) -> Int {
            guard stack.count > (marks.last ?? 0), let value = stack.popLast() else {
                throw PickleMachine.fail("an opcode needs a value the stack does not hold")
            }
            return value
        }

        func top() throws(PickleError) -> Int {
            guard stack.count > (marks.last ?? 0), let value = stack.last else {
                throw PickleMachine.fail("an opcode needs a value the stack does not hold")
            }
            return value
        }

        mutating func popToMark() throws(PickleError) -> [Int] {
            guard let mark = marks.popLast() else { throw PickleMachine.fail("an opcode needs a MARK that was never set") }
            let values = Array(stack[mark...])
            stack.removeSubrange(mark...)
            return values
        }
    }

    /// Reads the stream that starts at the current position up to its `STOP`; returns the index of its value.
    mutating func run() throws(PickleError) -> Int {
        var frame = Frame(maxStackDepth: limits.maxStackDepth)
        while true {
            let start = position
            let byte = try readByte()
            guard let opcode = PickleOpcode(rawValue: byte) else {
                throw PickleError(offset: start, reason: "unknown opcode 0x\(String(byte, radix: 16)); the file is not a pickle or is corrupt")
            }
            do {
                if let result = try step(opcode, &frame) { return result }
            } catch {
                throw error.offset < 0 ? PickleError(offset: start, reason: error.reason) : error
            }
        }
    }

    var offset: Int { position }

    // MARK: - One opcode

    /// Runs one opcode; returns the stream's value at `STOP`. Errors thrown with offset -1 are given the opcode's.
    private mutating func step(_ opcode: PickleOpcode, _ frame: inout Frame) throws(PickleError) -> Int? {
        switch opcode {
        case .proto:
            let version = try readByte()
            guard version <= 5 else { throw Self.fail("pickle protocol \(version) is newer than 5, the newest Berth reads") }
        case .frame:
            let length = try readUInt(8)
            guard length <= bytes.count - position else { throw Self.fail("a frame of \(length) bytes runs past the end of the file") }
        case .stop:
            guard let top = frame.stack.popLast() else { throw Self.fail("STOP with nothing on the stack") }
            return top
        case .mark:
            guard frame.marks.count < limits.maxMarkDepth else { throw Self.fail("more than \(limits.maxMarkDepth) nested MARKs") }
            frame.marks.append(frame.stack.count)
        case .pop:
            // Python's load_pop: the top value, or the last MARK when none was pushed since it.
            if frame.stack.count == (frame.marks.last ?? -1) {
                frame.marks.removeLast()
            } else {
                _ = try frame.pop()
            }
        case .popMark:
            _ = try frame.popToMark()
        case .dup:
            try frame.push(try frame.top())
        case .none: try frame.push(node(.none))
        case .newTrue: try frame.push(node(.bool(true)))
        case .newFalse: try frame.push(node(.bool(false)))
        case .binInt: try frame.push(node(.int(Int64(Int32(truncatingIfNeeded: try readUInt(4))))))
        case .binInt1: try frame.push(node(.int(Int64(try readUInt(1)))))
        case .binInt2: try frame.push(node(.int(Int64(try readUInt(2)))))
        case .long1: try frame.push(node(integer(littleEndian: try readBytes(try readUInt(1)))))
        case .long4:
            let length = Int(Int32(truncatingIfNeeded: try readUInt(4)))
            guard length >= 0 else { throw Self.fail("LONG4 with a negative length") }
            try frame.push(node(integer(littleEndian: try readBytes(length))))
        case .int:
            let text = try readLine()
            switch text {
            case "00": try frame.push(node(.bool(false)))
            case "01": try frame.push(node(.bool(true)))
            default:
                guard let value = Int64(text) else { throw Self.fail("INT \(quoted(text)) is not an integer") }
                try frame.push(node(.int(value)))
            }
        case .long:
            var text = try readLine()
            if text.hasSuffix("L") { text.removeLast() }
            guard let value = Int64(text) else { throw Self.fail("LONG \(quoted(text)) is not a 64-bit integer") }
            try frame.push(node(.int(value)))
        case .float:
            let text = try readLine()
            guard let value = Double(text) else { throw Self.fail("FLOAT \(quoted(text)) is not a number") }
            try frame.push(node(.float(value)))
        case .binFloat:
            try frame.push(node(.float(Double(bitPattern: try readUIntBigEndian(8)))))
        case .binString:
            let length = Int(Int32(truncatingIfNeeded: try readUInt(4)))
            guard length >= 0 else { throw Self.fail("BINSTRING with a negative length") }
            try frame.push(node(.bytes(try readBytes(length))))
        case .shortBinString, .shortBinBytes:
            try frame.push(node(.bytes(try readBytes(try readUInt(1)))))
        case .binBytes:
            try frame.push(node(.bytes(try readBytes(try readUInt(4)))))
        case .binBytes8, .byteArray8:
            try frame.push(node(.bytes(try readBytes(try readUInt(8)))))
        case .shortBinUnicode:
            try frame.push(node(.string(String(decoding: try readBytes(try readUInt(1)), as: UTF8.self))))
        case .binUnicode:
            try frame.push(node(.string(String(decoding: try readBytes(try readUInt(4)), as: UTF8.self))))
        case .binUnicode8:
            try frame.push(node(.string(String(decoding: try readBytes(try readUInt(8)), as: UTF8.self))))
        case .string, .unicode:
            throw Self.fail("protocol 0 text strings are not read; Berth reads pickles of protocols 2 to 5 (Python 3's default is 4 or 5)")
        case .emptyTuple: try frame.push(node(.tuple([])))
        case .tuple1:
            let a = try frame.pop()
            try frame.push(node(.tuple([a])))
        case .tuple2:
            let b = try frame.pop(), a = try frame.pop()
            try frame.push(node(.tuple([a, b])))
        case .tuple3:
            let c = try frame.pop(), b = try frame.pop(), a = try frame.pop()
            try frame.push(node(.tuple([a, b, c])))
        case .tuple: try frame.push(node(.tuple(try frame.popToMark())))
        case .emptyList: try frame.push(node(.list([])))
        case .list: try frame.push(node(.list(try frame.popToMark())))
        case .emptyDict: try frame.push(node(.dict([])))
        case .dict: try frame.push(node(.dict(try pairs(try frame.popToMark()))))
        case .emptySet: try frame.push(node(.set([])))
        case .frozenSet: try frame.push(node(.set(try frame.popToMark())))
        case .append:
            let value = try frame.pop()
            try append([value], to: try frame.top())
        case .appends:
            let values = try frame.popToMark()
            try append(values, to: try frame.top())
        case .addItems:
            let values = try frame.popToMark()
            let target = try frame.top()
            guard case .set(var items) = nodes[target] else { throw Self.fail("ADDITEMS on \(kindName(target)), not a set") }
            nodes[target] = .none
            items.append(contentsOf: values)
            nodes[target] = .set(items)
        case .setItem:
            let value = try frame.pop(), key = try frame.pop()
            try setItems([PickleEntry(key: key, value: value)], on: try frame.top())
        case .setItems:
            let entries = try pairs(try frame.popToMark())
            try setItems(entries, on: try frame.top())
        case .global:
            let module = try readLine(), name = try readLine()
            try frame.push(node(.global(module: module, name: name)))
        case .stackGlobal:
            let name = try frame.pop(), module = try frame.pop()
            guard case .string(let nameText) = nodes[name], case .string(let moduleText) = nodes[module] else {
                throw Self.fail("STACK_GLOBAL needs two strings, found \(kindName(module)) and \(kindName(name))")
            }
            try frame.push(node(.global(module: moduleText, name: nameText)))
        case .reduce:
            let arguments = try frame.pop(), callable = try frame.pop()
            guard case .tuple = nodes[arguments] else { throw Self.fail("REDUCE with \(kindName(arguments)) for arguments, not a tuple") }
            try frame.push(node(.object(PickleObject(callable: callable, arguments: arguments, isNewObject: false))))
        case .newObject:
            let arguments = try frame.pop(), callable = try frame.pop()
            try frame.push(node(.object(PickleObject(callable: callable, arguments: arguments, isNewObject: true))))
        case .newObjectEx:
            _ = try frame.pop()  // keyword arguments: recorded by nothing Berth reads
            let arguments = try frame.pop(), callable = try frame.pop()
            try frame.push(node(.object(PickleObject(callable: callable, arguments: arguments, isNewObject: true))))
        case .obj:
            let values = try frame.popToMark()
            guard let callable = values.first else { throw Self.fail("OBJ with nothing after its MARK") }
            let arguments = try node(.tuple(Array(values.dropFirst())))
            try frame.push(node(.object(PickleObject(callable: callable, arguments: arguments, isNewObject: false))))
        case .inst:
            let module = try readLine(), name = try readLine()
            let values = try frame.popToMark()
            let callable = try node(.global(module: module, name: name))
            let arguments = try node(.tuple(values))
            try frame.push(node(.object(PickleObject(callable: callable, arguments: arguments, isNewObject: false))))
        case .build:
            let state = try frame.pop()
            let target = try frame.top()
            guard case .object(var object) = nodes[target] else { throw Self.fail("BUILD on \(kindName(target)), not an object") }
            object.state = state
            nodes[target] = .object(object)
            try readJoblibArraySection(ifWrapper: target)
        case .put:
            let text = try readLine()
            guard let index = Int(text) else { throw Self.fail("PUT \(quoted(text)) is not an index") }
            try memoize(index, try frame.top(), &frame)
        case .binPut: try memoize(try readUInt(1), try frame.top(), &frame)
        case .longBinPut: try memoize(try readUInt(4), try frame.top(), &frame)
        case .memoize: try memoize(frame.memo.count, try frame.top(), &frame)
        case .get:
            let text = try readLine()
            guard let index = Int(text) else { throw Self.fail("GET \(quoted(text)) is not an index") }
            try frame.push(try recall(index, frame))
        case .binGet: try frame.push(try recall(try readUInt(1), frame))
        case .longBinGet: try frame.push(try recall(try readUInt(4), frame))
        case .persistentID, .binPersistentID:
            throw Self.fail("the pickle refers to persistent IDs, objects stored outside it, which Berth cannot see")
        case .extension1, .extension2, .extension4:
            throw Self.fail("the pickle uses copyreg's extension registry, which Berth does not read")
        case .nextBuffer:
            throw Self.fail("the pickle's buffers were written out of band (protocol 5's buffer_callback); pickle it with the buffers in band")
        case .readOnlyBuffer:
            break
        }
        return nil
    }

    // MARK: - Joblib's array sections

    /// After the `BUILD` of joblib's `NumpyArrayWrapper`, the array's bytes follow in the stream: raw elements (after
    /// one padding-length byte and that much padding when the wrapper names an alignment), or for object arrays a
    /// pickle of the array of its own. The wrapper node becomes the array.
    private mutating func readJoblibArraySection(ifWrapper target: Int) throws(PickleError) {
        guard let wrapper = try joblibWrapper(at: target) else { return }
        let (shape, type, order, isAligned) = wrapper
        guard shape.allSatisfy({ $0 >= 0 }), let count = PickleTree.elementCount(shape) else {
            throw Self.fail("joblib's array has the shape \(excerpt: "\(shape)")")
        }
        if type.kind == "O" {
            nesting += 1
            defer { nesting -= 1 }
            guard nesting <= limits.maxNestedStreams else { throw Self.fail("pickles nested more than \(limits.maxNestedStreams) deep") }
            let inner = try run()
            guard let array = PickleTree(nodes: nodes, root: inner).ndarray(at: inner), array.elementCount == count else {
                throw Self.fail("joblib's object array section does not hold an array of shape \(excerpt: "\(shape)")")
            }
            nodes[target] = .array(array)
            return
        }
        if isAligned {
            let padding = try readByte()
            _ = try readBytes(Int(padding))
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: type.itemSize)
        guard !overflow else { throw Self.fail("joblib's array of shape \(excerpt: "\(shape)") is too large") }
        let data = try readBytes(byteCount)
        nodes[target] = .array(PickledArray(kind: type.kind, itemSize: type.itemSize, isBigEndian: type.isBigEndian,
                                            shape: shape, isFortranOrder: order == "F", data: data))
    }

    /// The shape, dtype, order and alignment of the joblib array wrapper at `target`, or nil when it is something
    /// else. The tree made to read them must be gone before `nodes` changes, or every wrapper would copy them all.
    private func joblibWrapper(at target: Int) throws(PickleError)
        -> (shape: [Int], type: PickleTree.DType, order: String, isAligned: Bool)? {
        let tree = PickleTree(nodes: nodes, root: target)
        let className = tree.className(of: target)
        guard let className, className.hasSuffix("numpy_pickle.NumpyArrayWrapper") || className.hasSuffix("numpy_pickle.NDArrayWrapper") else {
            return nil
        }
        guard className.hasSuffix("NumpyArrayWrapper") else {
            throw Self.fail("the file is from joblib before 0.10, which kept arrays in separate .npy files; dump it again with a current joblib")
        }
        guard case .object(let wrapper) = nodes[target], let state = wrapper.state,
              let shapeIndex = tree.value(forKey: "shape", in: state), let shape = tree.integers(at: shapeIndex),
              let dtypeIndex = tree.value(forKey: "dtype", in: state), let type = tree.dtype(at: dtypeIndex) else {
            throw Self.fail("joblib's array wrapper has no readable shape and dtype")
        }
        let order = tree.value(forKey: "order", in: state).flatMap(tree.text(at:)) ?? "C"
        var isAligned = false
        if let alignment = tree.value(forKey: "numpy_array_alignment_bytes", in: state), case .int = nodes[alignment] {
            isAligned = true
        }
        return (shape, type, order, isAligned)
    }

    // MARK: - Stack, memo, nodes

    private mutating func node(_ value: PickleNode) throws(PickleError) -> Int {
        guard nodes.count < limits.maxNodes else { throw Self.fail("more than \(limits.maxNodes) values") }
        nodes.append(value)
        return nodes.count - 1
    }

    private func pairs(_ values: [Int]) throws(PickleError) -> [PickleEntry] {
        guard values.count.isMultiple(of: 2) else { throw Self.fail("an odd number of values for key-value pairs") }
        return stride(from: 0, to: values.count, by: 2).map { PickleEntry(key: values[$0], value: values[$0 + 1]) }
    }

    private mutating func append(_ values: [Int], to target: Int) throws(PickleError) {
        switch nodes[target] {
        case .list(var items):
            nodes[target] = .none
            items.append(contentsOf: values)
            nodes[target] = .list(items)
        case .object(var object):
            nodes[target] = .none
            object.appended.append(contentsOf: values)
            nodes[target] = .object(object)
        default:
            throw Self.fail("APPEND to \(kindName(target)), not a list")
        }
    }

    private mutating func setItems(_ entries: [PickleEntry], on target: Int) throws(PickleError) {
        switch nodes[target] {
        case .dict(var items):
            nodes[target] = .none
            items.append(contentsOf: entries)
            nodes[target] = .dict(items)
        case .object(var object):
            nodes[target] = .none
            object.items.append(contentsOf: entries)
            nodes[target] = .object(object)
        default:
            throw Self.fail("SETITEM on \(kindName(target)), not a dict")
        }
    }

    private func memoize(_ key: Int, _ value: Int, _ frame: inout Frame) throws(PickleError) {
        guard frame.memo.count < limits.maxMemoEntries || frame.memo[key] != nil else {
            throw Self.fail("more than \(limits.maxMemoEntries) memo entries")
        }
        frame.memo[key] = value
    }

    private func recall(_ key: Int, _ frame: Frame) throws(PickleError) -> Int {
        guard let value = frame.memo[key] else { throw Self.fail("GET of memo entry \(key), which was never stored") }
        return value
    }

    private func integer(littleEndian bytes: [UInt8]) -> PickleNode {
        guard !bytes.isEmpty else { return .int(0) }
        guard bytes.count <= 8 else { return .bigInt(bytes) }
        var value: UInt64 = 0
        for (index, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        if bytes.count < 8, bytes[bytes.count - 1] & 0x80 != 0 {
            value |= ~0 << (8 * UInt64(bytes.count))  // sign-extend
        }
        return .int(Int64(bitPattern: value))
    }

    private func kindName(_ index: Int) -> String {
        switch nodes[index] {
        case .none: "None"
        case .bool: "a bool"
        case .int, .bigInt: "an int"
        case .float: "a float"
        case .string: "a str"
        case .bytes: "bytes"
        case .tuple: "a tuple"
        case .list: "a list"
        case .dict: "a dict"
        case .set: "a set"
        case .global(let module, let name): "the name \(excerpt: "\(module).\(name)")"
        case .object: "an object of \(PickleTree(nodes: nodes, root: index).className(of: index).map { $0.excerpt() } ?? "an unnamed class")"
        case .array: "an array"
        }
    }

    // MARK: - Reading bytes

    /// An error whose offset `run` fills in with the opcode's.
    fileprivate static func fail(_ reason: String) -> PickleError { PickleError(offset: -1, reason: reason) }

    private mutating func readByte() throws(PickleError) -> UInt8 {
        guard position < bytes.count else {
            throw PickleError(offset: position, reason: "the stream ends before its STOP opcode; the file is truncated")
        }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func readBytes(_ count: Int) throws(PickleError) -> [UInt8] {
        guard count >= 0, count <= limits.maxValueBytes else { throw Self.fail("a value of \(count) bytes") }
        guard count <= bytes.count - position else {
            throw Self.fail("a value of \(count) bytes runs past the end of the file; the file is truncated")
        }
        defer { position += count }
        return Array(bytes[position ..< position + count])
    }

    private mutating func readUInt(_ width: Int) throws(PickleError) -> Int {
        let raw = try readBytes(width)
        var value: UInt64 = 0
        for (index, byte) in raw.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        guard value <= UInt64(Int.max) else { throw Self.fail("a length of \(value) bytes") }
        return Int(value)
    }

    private mutating func readUIntBigEndian(_ width: Int) throws(PickleError) -> UInt64 {
        try readBytes(width).reduce(0) { ($0 << 8) | UInt64($1) }
    }

    /// A text argument ending in a newline (protocol 0 style; `GLOBAL` uses it in every protocol).
    private mutating func readLine() throws(PickleError) -> String {
        let limit = min(bytes.count, position + 4096)
        guard let end = bytes[position ..< limit].firstIndex(of: 0x0A) else {
            throw Self.fail("a text argument without its newline within 4,096 bytes")
        }
        defer { position = end + 1 }
        return String(decoding: bytes[position ..< end], as: UTF8.self)
    }

    private func quoted(_ text: String) -> String { "\"\(text.excerpt(limit: 40))\"" }

}
