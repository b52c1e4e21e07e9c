import Testing
@testable import BerthPickle

/// The pickle reader against streams CPython's `pickle`, NumPy and joblib wrote (as hex, made by the commands in
/// each test's comment), and against hostile streams written out by hand.
@Suite struct PickleTreeTests {
    /// `{"a": [1, -2, 300, 70000, 2**40, -2**70, 1.5, True, None], "b": (b"xy", bytearray(b"z"), "é"), "c": {1, 2}}`
    /// pickled with protocols 2, 3, 4 and 5 (`pickle.dumps(value, protocol=p).hex()`, CPython 3.11).
    static let sameValueInEveryProtocol = [
        "80027d71002858010000006171015d7102284b014afeffffff4d2c014a701101008a060000000000018a090000000000000000c0473ff8000000000000884e655801000000627103635f636f646563730a656e636f64650a710458020000007879710558060000006c6174696e317106867107527108635f5f6275696c74696e5f5f0a6279746561727261790a7109680458010000007a710a680686710b52710c85710d52710e5802000000c3a9710f8771105801000000637111635f5f6275696c74696e5f5f0a7365740a71125d7113284b014b0265857114527115752e",
        "80037d71002858010000006171015d7102284b014afeffffff4d2c014a701101008a060000000000018a090000000000000000c0473ff8000000000000884e655801000000627103430278797104636275696c74696e730a6279746561727261790a710543017a71068571075271085802000000c3a9710987710a580100000063710b636275696c74696e730a7365740a710c5d710d284b014b026585710e52710f752e",
        "80049577000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101008a060000000000018a090000000000000000c0473ff8000000000000884e658c01629443027879948c086275696c74696e73948c0962797465617272617994939443017a94859452948c02c3a99487948c0163948f94284b014b0290752e",
        "80059561000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101008a060000000000018a090000000000000000c0473ff8000000000000884e658c01629443027879949601000000000000007a948c02c3a99487948c0163948f94284b014b0290752e",
    ]

    @Test(arguments: 0..<4)
    func everyProtocolReadsToTheSameValue(_ protocolIndex: Int) throws {
        let tree = try PickleTree.read(bytes(hex: Self.sameValueInEveryProtocol[protocolIndex]))
        let root = tree.root
        let list = try #require(tree.value(forKey: "a", in: root))
        guard case .list(let items) = tree[list] else { Issue.record("a is not a list"); return }
        #expect(items.map { tree[$0] } == [.int(1), .int(-2), .int(300), .int(70_000), .int(1 << 40),
                                            .bigInt([0, 0, 0, 0, 0, 0, 0, 0, 0xC0]), .float(1.5), .bool(true), .none])
        let tuple = try #require(tree.value(forKey: "b", in: root))
        guard case .tuple(let parts) = tree[tuple], parts.count == 3 else { Issue.record("b is not a 3-tuple"); return }
        #expect(tree.bytes(at: parts[0]) == Array("xy".utf8))
        #expect(tree.bytes(at: parts[1]) == Array("z".utf8))
        #expect(tree.text(at: parts[2]) == "é")
        let set = try #require(tree.value(forKey: "c", in: root))
        switch tree[set] {
        case .set(let members): #expect(members.map { tree[$0] } == [.int(1), .int(2)])
        case .object(let object):  // protocols 2 and 3 spell a set as builtins.set([1, 2])
            #expect(tree.className(of: set) == "builtins.set" || tree.className(of: set) == "__builtin__.set")
            guard case .tuple(let arguments) = tree[object.arguments], case .list(let members) = tree[arguments[0]] else {
                Issue.record("set without its list"); return
            }
            #expect(members.map { tree[$0] } == [.int(1), .int(2)])
        default: Issue.record("c is \(tree[set])")
        }
    }

    /// `pickle.dumps(os.system, protocol=4)` followed by a call: `REDUCE` of `posix.system` with `("echo pwned",)`.
    @Test func aCallIsRecordedNeverMade() throws {
        let stream = bytes(hex: "8004") + [0x8C, 5] + Array("posix".utf8) + [0x8C, 6] + Array("system".utf8) + [0x93]
            + [0x8C, 10] + Array("echo pwned".utf8) + [0x85, 0x52, 0x2E]
        let tree = try PickleTree.read(stream)
        #expect(tree.className(of: tree.root) == "posix.system")
        guard case .object(let call) = tree[tree.root], case .tuple(let arguments) = tree[call.arguments] else {
            Issue.record("not an object"); return
        }
        #expect(tree.text(at: arguments[0]) == "echo pwned")
        #expect(tree.classesFound() == ["posix.system"])
    }

    /// `joblib.dump({"ints": int64 [1, -2, 3], "floats": a Fortran-ordered 2×2 float64 array, "words": an object
    /// array ["ant", "bee"], "wide": "<U2" ["é", "xy"]}, buffer)` with joblib 1.5.2 and NumPy 2.4: arrays raw after
    /// their wrappers, padded to 16 bytes, and the object array as a pickle of its own.
    static let joblibFile = "800495db000000000000007d94288c04696e7473948c136a6f626c69622e6e756d70795f7069636b6c65948c114e756d70794172726179577261707065729493942981947d94288c08737562636c617373948c056e756d7079948c076e6461727261799493948c057368617065944b0385948c056f72646572948c0143948c0564747970659468088c0564747970659493948c02693894898887945294284b038c013c944e4e4e4affffffff4affffffff4b007494628c0a616c6c6f775f6d6d617094888c1b6e756d70795f61727261795f616c69676e6d656e745f6279746573944b10756209ffffffffffffffffff0100000000000000feffffffffffffff03000000000000009552000000000000008c06666c6f6174739468042981947d94286807680a680b4b024b028694680d8c014694680f68118c02663894898887945294284b0368154e4e4e4affffffff4affffffff4b0074946268178868184b1075620cffffffffffffffffffffffff000000000000e03f0000000000000440000000000000f83f0000000000000c40954f000000000000008c05776f7264739468042981947d94286807680a680b4b028594680d680e680f68118c024f3894898887945294284b038c017c944e4e4e4affffffff4affffffff4b3f74946268178968184b10756280059596000000000000008c166e756d70792e5f636f72652e6d756c74696172726179948c0c5f7265636f6e7374727563749493948c056e756d7079948c076e6461727261799493944b0085944301629487945294284b014b02859468038c0564747970659493948c024f3894898887945294284b038c017c944e4e4e4affffffff4affffffff4b3f749462895d94288c03616e74948c0362656594657494622e9546000000000000008c04776964659468042981947d94286807680a680b4b028594680d680e680f68118c02553294898887945294284b0368154e4e4e4b084b044b0874946268178868184b10756207ffffffffffffffe9000000000000007800000079000000752e"

    @Test func joblibArraysAreReadFromTheirSections() throws {
        let tree = try PickleTree.read(bytes(hex: Self.joblibFile))
        let ints = try #require(tree.value(forKey: "ints", in: tree.root).flatMap(tree.ndarray(at:)))
        #expect(ints.shape == [3])
        #expect(ints.numbers() == [1, -2, 3])
        let floats = try #require(tree.value(forKey: "floats", in: tree.root).flatMap(tree.ndarray(at:)))
        #expect(floats.shape == [2, 2])
        #expect(floats.isFortranOrder)
        #expect(floats.numbers() == [0.5, 2.5, 1.5, 3.5])  // storage order: column by column
        let words = try #require(tree.value(forKey: "words", in: tree.root).flatMap(tree.ndarray(at:)))
        #expect(words.strings(in: tree) == ["ant", "bee"])
        let wide = try #require(tree.value(forKey: "wide", in: tree.root).flatMap(tree.ndarray(at:)))
        #expect(wide.strings(in: tree) == ["é", "xy"])
    }

    /// `pickle.dumps(np.array([1.0, 2.0], dtype=">f4"), protocol=p)`: `_frombuffer` (5) and `_reconstruct` (3).
    @Test(arguments: [
        "8005957c000000000000008c136e756d70792e5f636f72652e6e756d65726963948c0b5f66726f6d627566666572949394289608000000000000003f80000040000000948c056e756d7079948c0564747970659493948c02663494898887945294284b038c013e944e4e4e4affffffff4affffffff4b007494624b0285948c014394749452942e",
        "8003636e756d70792e5f636f72652e6d756c746961727261790a5f7265636f6e7374727563740a7100636e756d70790a6e6461727261790a71014b008571024301627103877104527105284b014b02857106636e756d70790a64747970650a7107580200000066347108898887710952710a284b0358010000003e710b4e4e4e4affffffff4affffffff4b0074710c628943083f80000040000000710d74710e622e",
    ])
    func numpyArraysInEveryPickledForm(_ hex: String) throws {
        let tree = try PickleTree.read(bytes(hex: hex))
        let array = try #require(tree.ndarray(at: tree.root))
        #expect(array.isBigEndian)
        #expect(array.numbers() == [1, 2])
    }

    @Test func everyTruncationIsAnErrorNeverACrash() throws {
        let whole = bytes(hex: Self.joblibFile)
        for length in 0..<whole.count {
            #expect(throws: PickleError.self) { try PickleTree.read(Array(whole[0..<length])) }
        }
    }

    @Test func limitsStopHostileStreams() {
        // 2,000 nested MARKs.
        let marks: [UInt8] = [0x80, 0x04] + [UInt8](repeating: 0x28, count: 2_000) + [0x2E]
        let markError = #expect(throws: PickleError.self) { try PickleTree.read(marks) }
        #expect(markError?.reason.contains("nested MARKs") == true)
        // More values than the limit allows.
        let nones: [UInt8] = [0x80, 0x04] + [UInt8](repeating: 0x4E, count: 100) + [0x2E]
        let nodeError = #expect(throws: PickleError.self) { try PickleTree.read(nones, limits: PickleLimits(maxNodes: 50)) }
        #expect(nodeError?.reason.contains("more than 50 values") == true)
        // A length far past the end of the file, before any allocation.
        let huge: [UInt8] = [0x80, 0x04, 0x8E, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x2E]
        let lengthError = #expect(throws: PickleError.self) { try PickleTree.read(huge) }
        #expect(lengthError?.offset == 2)
    }

    /// An object's state is a dict or a `(dict, slots)` pair, nothing deeper: a key is looked up one pair deep.
    /// Tuples shared through `DUP` nest 2,000 deep here in 4 KB; searching every path through them would take 2²⁰⁰⁰
    /// steps, and recursing that deep could overflow the stack.
    @Test func keysAreLookedUpOnePairDeep() throws {
        // {"x": 1} in a (state, slots) pair: found; one pair further in: not a state, not looked into.
        let dictX: [UInt8] = [0x7D, 0x8C, 0x01, UInt8(ascii: "x"), 0x4B, 0x01, 0x73]  // EMPTY_DICT, "x", 1, SETITEM
        let pair = try PickleTree.read([0x80, 0x04] + dictX + [0x7D, 0x86, 0x2E])  // (dict, {})
        #expect(pair.value(forKey: "x", in: pair.root).map { pair.integer(at: $0) } == 1)
        let nested = try PickleTree.read([0x80, 0x04] + dictX + [0x7D, 0x86, 0x7D, 0x86, 0x2E])  // ((dict, {}), {})
        #expect(nested.value(forKey: "x", in: nested.root) == nil)
        let shared = try PickleTree.read([0x80, 0x04, 0x7D] + Array([[UInt8]](repeating: [0x32, 0x86], count: 2_000).joined()) + [0x2E])
        #expect(shared.value(forKey: "x", in: shared.root) == nil)
    }

    /// 150,000 values in one list, each added to the reader's arena once. While a copy of the reader stayed alive
    /// as a value was added, every value copied the whole arena, and this read took 144 s in a debug build; it takes
    /// about a third of a second now. The time limit turns a return of that copying into a failure.
    @Test(.timeLimit(.minutes(1))) func manyValuesAreReadInOnePass() throws {
        let count = 150_000
        let items = Array((0..<count).map { [0x4B, UInt8(truncatingIfNeeded: $0)] }.joined())  // BININT1 each
        let tree = try PickleTree.read([0x80, 0x04, 0x5D, 0x28] + items + [0x65, 0x2E])  // EMPTY_LIST, MARK, …, APPENDS
        let integers = try #require(tree.integers(at: tree.root))
        #expect(integers.count == count && integers.last == (count - 1) % 256)
    }

    /// `bytearray(bytearray(…(b"z")…))` 100,000 deep in 400 KB: no pickler writes more than one wrapper, and
    /// following every one would recurse that deep. A byte string is read through a few wrappers at most.
    @Test func bytesAreReadThroughAFewWrappersAtMost() throws {
        func wrapped(_ depth: Int) throws -> PickleTree {
            let global: [UInt8] = [0x8C, 0x08] + Array("builtins".utf8) + [0x8C, 0x09] + Array("bytearray".utf8) + [0x93, 0x94]  // memo 0
            let callables = Array([[UInt8]](repeating: [0x68, 0x00], count: depth - 1).joined())  // BINGET 0
            let calls = Array([[UInt8]](repeating: [0x85, 0x52], count: depth).joined())  // TUPLE1, REDUCE
            return try PickleTree.read([0x80, 0x04] + global + callables + [0x43, 0x01, UInt8(ascii: "z")] + calls + [0x2E])
        }
        let twice = try wrapped(2)
        #expect(twice.bytes(at: twice.root) == Array("z".utf8))
        let deep = try wrapped(100_000)
        #expect(deep.bytes(at: deep.root) == nil)
    }

    @Test(arguments: [
        ([0x80, 0x04, 0x68, 0x07, 0x2E], "never stored"),                    // BINGET of a missing memo entry
        ([0x80, 0x04, 0x4E, 0x51, 0x2E], "persistent IDs"),                  // BINPERSID
        ([0x80, 0x05, 0x97, 0x2E], "out of band"),                           // NEXT_BUFFER
        ([0x80, 0x04, 0x82, 0x01, 0x2E], "extension registry"),              // EXT1
        ([0x80, 0x04, 0x4E, 0x4E, 0x62, 0x2E], "not an object"),             // BUILD on None
        ([0x80, 0x04, 0x65, 0x2E], "MARK that was never set"),               // APPENDS without MARK
        ([0x80, 0x04, 0xFF, 0x2E], "unknown opcode 0xff"),
        ([0x80, 0x06, 0x4E, 0x2E], "newer than 5"),
        ([0x80, 0x04, 0x2E], "nothing on the stack"),
        ([0x80, 0x02, 0x53, 0x27, 0x61, 0x27, 0x0A, 0x2E], "protocol 0 text strings"),
    ] as [([UInt8], String)])
    func malformedStreamsAreNamed(_ stream: [UInt8], _ reason: String) {
        let error = #expect(throws: PickleError.self) { try PickleTree.read(stream) }
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test func memoSharesOneNodeAndMutationsAreSeenThroughIt() throws {
        // x = []; [x, x] with x then appended to: EMPTY_LIST BINPUT 0, MARK, BINGET 0, BINGET 0, LIST? Simpler:
        // EMPTY_LIST, BINPUT 0, K 1, APPEND, BINGET 0, TUPLE2, STOP → ([1], [1]) where both are one node.
        let stream: [UInt8] = [0x80, 0x04, 0x5D, 0x71, 0x00, 0x4B, 0x01, 0x61, 0x68, 0x00, 0x86, 0x2E]
        let tree = try PickleTree.read(stream)
        guard case .tuple(let parts) = tree[tree.root] else { Issue.record("not a tuple"); return }
        #expect(parts[0] == parts[1])
        guard case .list(let items) = tree[parts[0]] else { Issue.record("not a list"); return }
        #expect(items.map { tree[$0] } == [.int(1)])
    }

    private func bytes(hex: String) -> [UInt8] {
        var result = [UInt8]()
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }
}
