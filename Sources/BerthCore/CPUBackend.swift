import CBerthKernels

/// The backend every machine has: Berth's own CPU kernels.
public struct CPUBackend: Backend {
    public let parallelism: RowParallelism
    /// Kernels another backend supplies for some operations of ONNX graphs (forests, dense layers); the rest of
    /// the graph runs here. The GPU backend sets them; empty means every operation on the CPU kernels.
    public var deviceKernels = DeviceKernels()
    public var name: String { "cpu" }

    /// The instruction set of the dense-layer kernel on this machine (`avx512`, `avx2` or `portable`), for the log.
    public static var denseInstructionSet: String { CPUDenseLayer.instructionSet }

    /// The widest vector gathers this CPU has for the tree kernel's gather walks (`avx512`, `avx2` or `none`), for
    /// the log; which walk a model takes is measured when it loads (`TreeWalkChoice`).
    public static var gatherInstructionSet: String {
        switch berth_forest_walk_isa() {
        case 2: "avx512"
        case 1: "avx2"
        default: "none"
        }
    }

    /// The instruction set of the oblivious-tree (CatBoost) kernel on this machine (`avx512`, `avx2` or
    /// `portable`), for the log.
    public static var obliviousInstructionSet: String {
        switch berth_oblivious_isa() {
        case 2: "avx512"
        case 1: "avx2"
        default: "portable"
        }
    }

    /// How tree kernels walk summed forests (`BERTH_TREE_WALK`): measured per model at load unless fixed.
    public let treeWalk: TreeWalkPreference

    public init(parallelism: RowParallelism = RowParallelism(), treeWalk: TreeWalkPreference = .measured) {
        self.parallelism = parallelism
        self.treeWalk = treeWalk
    }

    /// The CPU's dense layer for `weights`: what a device's dense layer falls back to and is measured against.
    public func denseLayer(_ weights: DenseWeights) -> any DenseLayer {
        CPUDenseLayer(inner: weights.inner, columns: weights.columns, weights: weights.weights, bias: weights.bias,
                      epilogue: weights.epilogue, parallelism: parallelism)
    }

    public func compile(_ model: ModelIR) throws(ModelValidationError) -> any CompiledModel {
        switch model {
        case .trees(let ensemble): try CPUTreeEnsembleModel(ensemble, parallelism: parallelism, walk: treeWalk)
        case .doubleTrees(let forest): try CPUDoubleForestModel(forest, parallelism: parallelism, walk: treeWalk)
        case .obliviousTrees(let forest): try CPUObliviousForestModel(forest, parallelism: parallelism)
        case .linear(let linear): try CPULinearModel(linear, parallelism: parallelism)
        case .graph(let graph): try CPUGraphModel(graph, parallelism: parallelism, deviceKernels: deviceKernels)
        }
    }
}
