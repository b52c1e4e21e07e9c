import Foundation
import Testing
@testable import BerthArtifacts

/// The model directory as SageMaker may lay it out, built in a temporary folder per test.
@Suite final class ArtifactStoreTests {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "berth-artifacts-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/model", withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let path = root + "/model/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    func open(limits: ArtifactLimits = ArtifactLimits()) throws(ArtifactError) -> ArtifactStore.Contents {
        try ArtifactStore(directory: root + "/model", limits: limits).open()
    }

    @Test func extractedLayoutWithSubfoldersSkipsDotFiles() throws {
        try write("xgboost-model", [1, 2])
        try write("nested/prefix/part", [3])
        try write(".DS_Store", [0])
        let contents = try open()
        #expect(contents.files.map(\.path) == ["nested/prefix/part", "xgboost-model"])
        #expect(contents.skipped == [".DS_Store"])
    }

    @Test func modelTarGzIsUnpackedInMemoryAndMacResourceForksAreSkipped() throws {
        let archive = ArchiveBuilder.tar([
            .init(name: "./._xgboost-model", data: [9]),
            .init(name: "./xgboost-model", data: [1, 2, 3]),
            .init(name: "./gz/inner.json.gz", data: ArchiveBuilder.gzip(Array("{}".utf8))),
        ])
        try write("model.tar.gz", ArchiveBuilder.gzip(archive))
        let contents = try open()
        #expect(contents.files.map(\.path) == ["model.tar.gz:xgboost-model", "model.tar.gz:gz/inner.json"])
        #expect(contents.files[1].bytes == Array("{}".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/model") == ["model.tar.gz"])
    }

    @Test func gzippedSingleFileLosesItsSuffix() throws {
        try write("xgboost-model.gz", ArchiveBuilder.gzip(Array("binf".utf8)))
        let contents = try open()
        #expect(contents.files == [ModelFile(path: "xgboost-model", bytes: Array("binf".utf8))])
    }

    @Test func hostileArchiveIsRefusedNamingTheEntry() throws {
        try write("model.tar.gz", ArchiveBuilder.gzip(ArchiveBuilder.tar([.init(name: "../../etc/cron.d/x", data: [1])])))
        let error = #expect(throws: ArtifactError.self) { try open() }
        #expect(error?.description.contains("../../etc/cron.d/x") == true)
        #expect(!FileManager.default.fileExists(atPath: root + "/etc"))
    }

    @Test func gzipBombStopsAtTheConfiguredBound() throws {
        try write("model.tar.gz", ArchiveBuilder.gzip([UInt8](repeating: 0, count: 32 << 20)))
        let error = #expect(throws: ArtifactError.self) { try open(limits: ArtifactLimits(maxTotalBytes: 4 << 20)) }
        #expect(error?.description.contains("BERTH_MAX_ARTIFACT_MB") == true)
    }

    @Test func truncatedArchiveIsACorruptGzip() throws {
        let full = ArchiveBuilder.gzip(ArchiveBuilder.tar([.init(name: "m", data: Array(repeating: 5, count: 50_000))]))
        try write("model.tar.gz", Array(full.prefix(full.count - 40)))
        let error = #expect(throws: ArtifactError.self) { try open() }
        #expect(error?.description.contains("not a valid gzip stream") == true)
    }

    @Test func symlinkLeadingOutsideIsSkipped() throws {
        try write("xgboost-model", [1])
        try FileManager.default.createSymbolicLink(atPath: root + "/model/escape", withDestinationPath: "/etc/passwd")
        let contents = try open()
        #expect(contents.files.map(\.path) == ["xgboost-model"])
        #expect(contents.skipped.first?.contains("escape") == true)
    }

    /// Links inside the directory that lead to a folder or file again — a loop back up, a second name for a model —
    /// read each one once: an ensemble must not count a model twice, nor a loop read it sixteen levels deep.
    @Test func whatALinkLeadsToAgainIsReadOnce() throws {
        try write("a-model", [1])
        try write("sub/b-model", [2])
        try FileManager.default.createSymbolicLink(atPath: root + "/model/sub/up", withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: root + "/model/z-latest", withDestinationPath: "a-model")
        let contents = try open()
        #expect(contents.files.map(\.path) == ["a-model", "sub/b-model"])
        #expect(contents.skipped.sorted() == ["sub/up (the same as ., already read)", "z-latest (the same as a-model, already read)"])
    }

    @Test func fifosAndHardLinksOutsideAreNeverOpenedAsModels() throws {
        try write("xgboost-model", [1])
        // Opening a FIFO for reading would block start-up until someone writes to it.
        #expect(mkfifo(root + "/model/pipe", 0o644) == 0)
        // A hard link is a regular file wherever its other name is: it is read like one, and nothing is written.
        try Data([2]).write(to: URL(fileURLWithPath: root + "/outside"))
        try FileManager.default.linkItem(atPath: root + "/outside", toPath: root + "/model/hard")
        let contents = try open()
        #expect(contents.files.map(\.path).sorted() == ["hard", "xgboost-model"])
        #expect(contents.skipped.contains { $0.hasPrefix("pipe") && $0.contains("not a regular file") })
    }

    /// An archive entry's name is quoted cut to 64 characters, control characters shown as `?`: a 100 KB hostile
    /// name can neither flood the log and `/ping` nor break their lines.
    @Test func aHostileEntryNameIsQuotedShort() throws {
        let name = "../" + String(repeating: "x\n", count: 50_000)
        try write("model.tar", ArchiveBuilder.tar([ArchiveBuilder.pax(["path": name]), ArchiveBuilder.Member(name: "ignored", data: [1])]))
        let error = #expect(throws: ArtifactError.self) { try open() }
        let message = error?.description ?? ""
        #expect(message.contains("'../x?x?x") && message.contains("climbs out"), "\(message.prefix(300))")
        #expect(message.utf8.count < 400 && !message.contains("\n"))
    }

    @Test func emptyAndMissingDirectoriesSayWhatWasExpected() throws {
        try write(".hidden", [1])
        let empty = #expect(throws: ArtifactError.self) { try open() }
        #expect(empty?.description.contains("holds no model file") == true)
        #expect(empty?.description.contains("model.tar.gz") == true)
        let missing = #expect(throws: ArtifactError.self) { try ArtifactStore(directory: root + "/nope").open() }
        #expect(missing?.description.contains("does not exist") == true)
    }

    @Test func tooManyFilesIsBounded() throws {
        for index in 0..<20 { try write("f\(index)", [1]) }
        #expect(throws: ArtifactError.self) { try open(limits: ArtifactLimits(maxFiles: 10)) }
    }
}
