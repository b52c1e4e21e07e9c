/// The device-independent description of a model that format readers produce and backends compile.
///
/// Readers never produce kernels and backends never read files: this enum is the seam between them.
public enum ModelIR: Sendable, Equatable {
    case trees(TreeEnsemble)
    /// A forest compared and summed in double precision, with LightGBM's split rules.
    case doubleTrees(DoubleForest)
    /// Oblivious trees compared in float32 and summed in double, as CatBoost does.
    case obliviousTrees(ObliviousForest)
    case linear(LinearModel)
    case graph(OperatorGraph)

    public var featureCount: Int {
        switch self {
        case .trees(let ensemble): ensemble.featureCount
        case .doubleTrees(let forest): forest.featureCount
        case .obliviousTrees(let forest): forest.featureCount
        case .linear(let model): model.featureCount
        case .graph(let graph): graph.featureCount
        }
    }
}
