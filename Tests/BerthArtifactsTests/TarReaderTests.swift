import BerthTestSupport
import Testing
@testable import BerthArtifacts

@Suite struct TarReaderTests {
    typealias Member = ArchiveBuilder.Member

    func entries(_ members: [Member]) throws(TarReader.Failure) -> [TarReader.Entry] {
        try TarReader.entries(of: ArchiveBuilder.tar(members), maxEntries: 100)
    }

    @Test func readsRegularFilesAndSkipsFolders() throws {
        let found = try entries([
            Member(name: "./", type: UInt8(ascii: "5")),
            Member(name: "./xgboost-model", data: Array("model".utf8)),
            Member(name: "sub/dir/", type: UInt8(ascii: "5")),
            Member(name: "sub/dir/extra", data: Array(repeating: 7, count: 1000)),
        ])
        #expect(found.map(\.path) == ["xgboost-model", "sub/dir/extra"])
        #expect(found[0].bytes == Array("model".utf8))
        #expect(found[1].bytes.count == 1000)
    }

    /// A path held twice (`tar -rf` appending a file's new version, `./` or not) is read as `tar -x` leaves it: the
    /// last version, in its place in the archive.
    @Test func aPathHeldTwiceIsItsLastVersion() throws {
        let found = try entries([
            Member(name: "xgboost-model", data: Array("old".utf8)),
            Member(name: "other", data: Array("other".utf8)),
            Member(name: "./xgboost-model", data: Array("new".utf8)),
        ])
        #expect(found.map(\.path) == ["other", "xgboost-model"])
        #expect(found.map(\.bytes) == [Array("other".utf8), Array("new".utf8)])
    }

    /// The largest file keeps the archive's storage, moved to its front; every other file is copied out before
    /// that move overwrites them. Wherever the largest sits, every file reads back exactly, empty ones included.
    @Test func everyFileReadsBackWhereverTheLargestSits() throws {
        func data(_ count: Int, _ seed: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed) } }
        let sizes = [[5000, 10, 700], [10, 5000, 700], [10, 700, 5000], [0, 0], [513, 512, 511], [1024]]
        for layout in sizes {
            let members = layout.enumerated().map { index, size in Member(name: "file\(index)", data: data(size, index)) }
            let found = try entries(members)
            #expect(found.map(\.path) == members.map(\.name), "\(layout)")
            #expect(found.map(\.bytes) == members.map(\.data), "\(layout)")
        }
        // An archive still held elsewhere is left as it was: its storage is copied, not moved over.
        let archive = ArchiveBuilder.tar([Member(name: "small", data: data(10, 1)), Member(name: "large", data: data(3000, 2))])
        let before = archive
        #expect(try TarReader.entries(of: archive, maxEntries: 10).map(\.bytes) == [data(10, 1), data(3000, 2)])
        #expect(archive == before)
    }

    /// Passed as its last use, the archive's storage becomes the largest file's, with no copy; but not when most of
    /// it is something else — here a 10-byte file before 1 MiB of padding — which would stay in memory unseen.
    @Test func theLargestFileKeepsTheStorageOnlyWhenLittleElseIsInIt() throws {
        let model = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        // In storage of its own size, as the inflater leaves a single gzip member.
        let built = ArchiveBuilder.tar([Member(name: "notes", data: [1, 2, 3]), Member(name: "model", data: model)])
        let archive = [UInt8](unsafeUninitializedCapacity: built.count) { buffer, initialized in
            initialized = buffer.initialize(fromContentsOf: built)
        }
        #expect(TarReader.keepsStorage(capacity: archive.capacity, forFileOf: model.count))
        let storage = archive.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        let found = try TarReader.entries(of: consume archive, maxEntries: 10)
        #expect(found.map(\.bytes) == [[1, 2, 3], model])
        #expect(found[1].bytes.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == storage)

        var padded = ArchiveBuilder.tar([Member(name: "model", data: Array(repeating: 9, count: 10))])
        padded += [UInt8](repeating: 0, count: 1 << 20)
        let small = try TarReader.entries(of: consume padded, maxEntries: 10)
        #expect(small.map(\.bytes) == [Array(repeating: 9, count: 10)])
        #expect(small[0].bytes.capacity < 1 << 16)
        #expect(TarReader.keepsStorage(capacity: 3_700_000, forFileOf: 3_600_000))
        #expect(!TarReader.keepsStorage(capacity: 4 << 30, forFileOf: 1))
        #expect(!TarReader.keepsStorage(capacity: 3 << 30, forFileOf: 1 << 30))
    }

    @Test func honoursPaxPathsAndGNULongNames() throws {
        let long = String(repeating: "d/", count: 80) + "model.json"
        let found = try entries([
            ArchiveBuilder.pax(["path": long]),
            Member(name: "short", data: [1]),
            Member(name: "././@LongLink", type: UInt8(ascii: "L"), data: Array((long + "2").utf8) + [0]),
            Member(name: "truncated", data: [2]),
        ])
        #expect(found.map(\.path) == [long, long + "2"])
    }

    @Test(arguments: [
        (Member(name: "/etc/passwd", data: [1]), "absolute"),
        (Member(name: "../../evil", data: [1]), ".."),
        (Member(name: "a/../../evil", data: [1]), ".."),
        (Member(name: "link", type: UInt8(ascii: "2"), linkName: "/etc/passwd"), "link"),
        (Member(name: "hard", type: UInt8(ascii: "1"), linkName: "../outside"), "link"),
        (Member(name: "dev", type: UInt8(ascii: "3")), "device"),
        (Member(name: "blk", type: UInt8(ascii: "4")), "device"),
        (Member(name: "fifo", type: UInt8(ascii: "6")), "FIFO"),
        (Member(name: "sparse", type: UInt8(ascii: "S")), "unsupported"),
    ] as [(Member, String)])
    func refusesUnsafeEntries(_ member: Member, _ reason: String) {
        let error = #expect(throws: TarReader.Failure.self) { try entries([Member(name: "ok", data: [1]), member]) }
        guard case .unsafe(_, let text) = error else {
            Issue.record("expected an unsafe-entry failure, got \(String(describing: error))")
            return
        }
        #expect(text.contains(reason))
    }

    @Test func refusesPaxPathThatClimbsOut() {
        #expect(throws: TarReader.Failure.self) { try entries([ArchiveBuilder.pax(["path": "../x"]), Member(name: "x", data: [1])]) }
    }

    /// A pax record's length runs from its first digit to its newline: one past the data (even `Int.max`) or one
    /// that ends before its own key starts is refused as malformed, never a trap at load.
    @Test(arguments: ["9223372036854775807 path=x\n", "9223372036854775806 path=x\n", "1 path=x\n", "2 path=x\n", "0 path=x\n"])
    func refusesPaxLengthsOutsideTheRecord(_ record: String) {
        let pax = Member(name: "PaxHeader", type: UInt8(ascii: "x"), data: Array(record.utf8))
        #expect(throws: TarReader.Failure.corrupt("malformed pax header")) { try entries([pax, Member(name: "x", data: [1])]) }
    }

    /// Hostile archives that once trapped the reader (`Fuzz/regressions/FuzzTar/`): each is refused as corrupt,
    /// never a crash.
    @Test(arguments: Fixtures.fuzzRegressions("FuzzTar"))
    func fuzzRegressionsAreRefused(_ path: String) throws {
        let archive = try Fixtures.bytes(path)
        #expect(throws: TarReader.Failure.self) { try TarReader.entries(of: archive, maxEntries: 1_000) }
    }

    @Test func refusesSizesThatLie() {
        let archive = ArchiveBuilder.tar([Member(name: "big", data: [1, 2, 3], declaredSize: 1 << 30)], terminate: false)
        #expect(throws: TarReader.Failure.self) { try TarReader.entries(of: archive, maxEntries: 10) }
    }

    @Test func refusesBadChecksumAndTruncation() {
        var archive = ArchiveBuilder.tar([Member(name: "m", data: [1])])
        archive[0] ^= 0xFF
        #expect(throws: TarReader.Failure.self) { try TarReader.entries(of: archive, maxEntries: 10) }
        let truncated = Array(ArchiveBuilder.tar([Member(name: "m", data: [1]), Member(name: "n", data: [2])]).prefix(1024 + 300))
        #expect(throws: TarReader.Failure.self) { try TarReader.entries(of: truncated, maxEntries: 10) }
    }

    @Test func boundsTheNumberOfEntries() {
        let archive = ArchiveBuilder.tar((0..<50).map { Member(name: "f\($0)", data: [1]) })
        #expect(throws: TarReader.Failure.tooManyEntries) { try TarReader.entries(of: archive, maxEntries: 10) }
    }
}
