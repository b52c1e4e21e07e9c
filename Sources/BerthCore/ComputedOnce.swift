import Synchronization

/// A value only explanations read — the trees' expected values, the GPU's TreeSHAP paths — worked out when first
/// asked for and then kept, so it stays off the model's load (the cold start) and off every later request.
public final class ComputedOnce<Value: Sendable>: Sendable {
    private let cached = Mutex<Value?>(nil)

    public init() {}

    /// The value; the first call makes it with `make` (while others wait), the rest read it.
    public func value(_ make: () -> Value) -> Value {
        cached.withLock { cached in
            if let cached { return cached }
            let value = make()
            cached = value
            return value
        }
    }
}
