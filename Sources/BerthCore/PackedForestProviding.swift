/// A compiled model that keeps its trees packed (`PackedForest`): another backend built beside it — the GPU's,
/// which routes small batches to this model — uploads that forest instead of packing the same trees again.
public protocol PackedForestProviding {
    /// The model's trees, packed as every walk (CPU and GPU) reads them.
    var packedForest: PackedForest { get }
}

extension CPUTreeEnsembleModel: PackedForestProviding {
    var packedForest: PackedForest { forest }
}
