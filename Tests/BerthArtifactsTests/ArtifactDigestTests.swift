import Foundation
import Testing
@testable import BerthArtifacts

/// The artifact digest against coreutils' `sha256sum`, and the same digest for every way one artifact arrives.
@Suite final class ArtifactDigestTests {
    let root = NSTemporaryDirectory() + "berth-digest-" + UUID().uuidString

    init() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// The files of one artifact: a model in a sub-folder, a README, an ensemble member.
    static let files: [(String, [UInt8])] = [
        ("xgboost-model-0", Array("binf first".utf8)), ("xgboost-model-1", Array("binf second".utf8)),
        ("code/notes.txt", Array("how to use\n".utf8)), ("B-upper", [0, 255, 10]),
    ]

    func write(_ folder: String, _ files: [(String, [UInt8])]) throws {
        for (relative, bytes) in files {
            let path = root + "/" + folder + "/" + relative
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
    }

    func digest(_ folder: String) throws -> String {
        try ArtifactStore(directory: root + "/" + folder).open().sha256
    }

    /// What a shell prints, to check the digest against the tools a user has.
    func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    @Test func oneFileIsItsSHA256() throws {
        try write("one", [("xgboost-model", Array("abc".utf8))])
        // FIPS 180-2's test vector for "abc".
        #expect(try digest("one") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try digest("one") == String(try shell("sha256sum one/xgboost-model").prefix(64)))
    }

    @Test func severalFilesAreTheDigestOfSha256sumsLines() throws {
        try write("several", Self.files + [(".hidden", [1])])
        // The pipeline docs/observability.md gives users.
        let expected = try shell("cd several && find . -type f ! -path '*/.*' | sed 's|^\\./||' | LC_ALL=C sort | xargs sha256sum | sha256sum")
        #expect(try digest("several") == String(expected.prefix(64)))
    }

    @Test func theDigestIsTheSameHoweverTheArtifactArrives() throws {
        try write("folder", Self.files)
        let archive = ArchiveBuilder.tar(Self.files.map { .init(name: "./" + $0.0, data: $0.1) })
        try write("tarball", [("model.tar.gz", ArchiveBuilder.gzip(archive))])
        try write("tar", [("model.tar", archive)])
        try write("gzipped", Self.files.map { ($0.0 + ".gz", ArchiveBuilder.gzip($0.1)) })
        let expected = try digest("folder")
        for form in ["tarball", "tar", "gzipped"] {
            #expect(try digest(form) == expected, "\(form)")
        }
        try write("changed", Self.files.map { ($0.0, $0.0 == "code/notes.txt" ? Array("changed\n".utf8) : $0.1) })
        #expect(try digest("changed") != expected, "every file read counts")
    }

    @Test func onlySHA256HexIsAcceptedAsAPin() {
        #expect(ArtifactDigest.isSHA256("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        #expect(ArtifactDigest.isSHA256("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"))
        #expect(!ArtifactDigest.isSHA256("ba7816bf"))
        #expect(!ArtifactDigest.isSHA256(String(repeating: "g", count: 64)))
        #expect(!ArtifactDigest.isSHA256("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
    }
}
