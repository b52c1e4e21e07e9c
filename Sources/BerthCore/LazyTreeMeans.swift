import Synchronization

/// The trees' expected values (`PackedForest.treeMeans`), worked out when contributions are first asked for and then
/// kept: a walk over every node that only explanations read, so it stays off the model's load (the cold start).
final class LazyTreeMeans: Sendable {
    private let cached = Mutex<[Float]?>(nil)

    /// `forest`'s tree means; the first call works them out (while others wait), the rest read them.
    func means(of forest: PackedForest) -> [Float] {
        cached.withLock { cached in
            if let cached { return cached }
            let means = forest.treeMeans()
            cached = means
            return means
        }
    }
}
