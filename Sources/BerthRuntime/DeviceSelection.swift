/// `BERTH_DEVICE`: which backend serves.
public enum DeviceSelection: String, Sendable {
    /// The GPU when one can be bound (for batches large enough to win), the CPU otherwise.
    case auto
    /// The CPU kernels only.
    case cpu
    /// The GPU for every batch of every forest and dense layer; starting fails when no GPU can be bound.
    case cuda
}
