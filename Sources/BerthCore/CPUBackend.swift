/// The backend every machine has: Berth's own CPU kernels.
public struct CPUBackend: Backend {
    public let parallelism: RowParallelism
    /// Compiles the tree ensembles inside ONNX graphs; nil for the CPU tree kernel. The GPU backend sets it, so an
    /// ONNX forest runs on the GPU while the graph's other operators run here.
    public var graphTreeCompiler: TreeEnsembleCompiler?
    public var name: String { "cpu" }

    /// The instruction set of the dense-layer kernel on this machine (`avx512`, `avx2` or `portable`), for the log.
    public static var denseInstructionSet: String { DenseKernel.instructionSet }

    public init(parallelism: RowParallelism = RowParallelism()) {
        self.parallelism = parallelism
    }

    public func compile(_ model: ModelIR) throws(ModelValidationError) -> any CompiledModel {
        switch model {
        case .trees(let ensemble): try CPUTreeEnsembleModel(ensemble, parallelism: parallelism)
        case .linear(let linear): try CPULinearModel(linear, parallelism: parallelism)
        case .graph(let graph): try CPUGraphModel(graph, parallelism: parallelism, treeCompiler: graphTreeCompiler)
        }
    }
}

/// Turns a tree ensemble into a compiled model: how a backend other than the CPU's puts forests on its device.
public typealias TreeEnsembleCompiler = @Sendable (TreeEnsemble) throws(ModelValidationError) -> any CompiledModel
