/// The backend every machine has: Berth's own CPU kernels.
public struct CPUBackend: Backend {
    public let parallelism: RowParallelism
    public var name: String { "cpu" }

    public init(parallelism: RowParallelism = RowParallelism()) {
        self.parallelism = parallelism
    }

    public func compile(_ model: ModelIR) throws(ModelValidationError) -> any CompiledModel {
        switch model {
        case .trees(let ensemble): try CPUTreeEnsembleModel(ensemble, parallelism: parallelism)
        case .linear(let linear): try CPULinearModel(linear, parallelism: parallelism)
        case .graph(let graph): try CPUGraphModel(graph, parallelism: parallelism)
        }
    }
}
