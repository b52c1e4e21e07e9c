import Foundation

/// Helpers shared by the test targets (like swift-numerics' `_TestSupport`): where the fixtures live, reading
/// them, and a deterministic random generator for mutation tests.
public enum Fixtures {
    /// `opt-ml-fixtures/` at the repository root, found from this source file's location.
    public static var root: String {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)
        return components.joined(separator: "/") + "/opt-ml-fixtures"
    }

    /// `Fuzz/regressions/` at the repository root.
    public static var fuzzRegressionsRoot: String { root.dropLast("opt-ml-fixtures".count) + "Fuzz/regressions" }

    /// The inputs libFuzzer found that once broke a parser (`Fuzz/regressions/<target>/`): each is replayed by a
    /// test beside that parser, and by `Fuzz/run` as part of the target's corpus. A target without a folder has
    /// no regressions yet; when the regressions root itself is missing, the one path returned does not exist, so
    /// the test replaying it fails instead of having nothing to replay.
    public static func fuzzRegressions(_ target: String) -> [String] {
        guard FileManager.default.fileExists(atPath: fuzzRegressionsRoot) else { return [fuzzRegressionsRoot + " (missing)"] }
        let folder = fuzzRegressionsRoot + "/" + target
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return names.sorted().map { folder + "/" + $0 }
    }

    /// The bytes of a file; throws when it is missing.
    public static func bytes(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CocoaError(.fileReadNoSuchFile) }
        return Array(data)
    }
}

/// SplitMix64: a tiny deterministic generator, so mutation tests are reproducible.
public struct SplitMix {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
