/// Bounds on what one pickle stream may make the reader hold, so a hostile file fails fast instead of exhausting
/// memory. Every node, stack entry and memo entry costs at least one opcode byte, so memory already grows at most
/// linearly with the file; these bounds cap the constant.
public struct PickleLimits: Sendable, Equatable {
    /// Values in the tree: containers, scalars, names and calls together.
    public var maxNodes: Int
    /// Entries of the memo (`PUT`, `MEMOIZE`).
    public var maxMemoEntries: Int
    /// Open `MARK`s at once: how deeply containers may nest while being built.
    public var maxMarkDepth: Int
    /// Values on the stack at once.
    public var maxStackDepth: Int
    /// Pickles inside pickles: joblib writes an object array as a pickle of its own in the middle of the stream.
    public var maxNestedStreams: Int
    /// Bytes of one string, bytes object, integer or array section.
    public var maxValueBytes: Int

    public init(maxNodes: Int = 1 << 22, maxMemoEntries: Int = 1 << 22, maxMarkDepth: Int = 1_000,
                maxStackDepth: Int = 1 << 20, maxNestedStreams: Int = 4, maxValueBytes: Int = 1 << 31) {
        self.maxNodes = maxNodes
        self.maxMemoEntries = maxMemoEntries
        self.maxMarkDepth = maxMarkDepth
        self.maxStackDepth = maxStackDepth
        self.maxNestedStreams = maxNestedStreams
        self.maxValueBytes = maxValueBytes
    }
}
