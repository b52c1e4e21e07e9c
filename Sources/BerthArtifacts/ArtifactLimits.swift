/// Bounds on what opening an artifact may cost, so a gzip bomb or a million-entry tar fails fast and clearly.
public struct ArtifactLimits: Sendable, Equatable {
    /// The most bytes all model files may occupy once read and inflated, together.
    public var maxTotalBytes: Int
    /// The most files (directory entries plus archive members) considered.
    public var maxFiles: Int
    /// The deepest folder nesting scanned under the model directory.
    public var maxDirectoryDepth: Int

    public static let defaultMaxTotalBytes = 4 << 30

    public init(maxTotalBytes: Int = ArtifactLimits.defaultMaxTotalBytes, maxFiles: Int = 10_000, maxDirectoryDepth: Int = 16) {
        self.maxTotalBytes = maxTotalBytes
        self.maxFiles = maxFiles
        self.maxDirectoryDepth = maxDirectoryDepth
    }
}
