import BerthCore

/// A model file read into the IR, with the facts the startup log reports about it.
public struct LoadedModel: Sendable, Equatable {
    /// More features than this is a corrupt or hostile file, not a real model (a row would be 64 MiB).
    public static let maxFeatureCount = 1 << 24

    public let ir: ModelIR
    public let format: ModelFormat
    public let objective: XGBoostObjective
    /// `gbtree`, `dart` or `gblinear`.
    public let booster: String
    public let treeCount: Int
    /// The xgboost version that wrote the file, when the file says.
    public let writerVersion: String?

    /// What the model's outputs mean, from its objective and its number of output groups.
    public var meaning: PredictionMeaning {
        switch ir {
        case .trees(let ensemble): objective.meaning(groupCount: ensemble.groupCount)
        case .linear(let model): objective.meaning(groupCount: model.groupCount)
        }
    }

    public init(ir: ModelIR, format: ModelFormat, objective: XGBoostObjective, booster: String, treeCount: Int,
                writerVersion: String?) {
        self.ir = ir
        self.format = format
        self.objective = objective
        self.booster = booster
        self.treeCount = treeCount
        self.writerVersion = writerVersion
    }
}
