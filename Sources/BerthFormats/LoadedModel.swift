import BerthCore

/// A model file read into the IR, with what its outputs mean and the facts the startup log reports about it.
public struct LoadedModel: Sendable, Equatable {
    /// More features than this is a corrupt or hostile file, not a real model (a row would be 64 MiB).
    public static let maxFeatureCount = 1 << 24

    public let ir: ModelIR
    public let format: ModelFormat
    public let meaning: PredictionMeaning
    /// XGBoost's objective (`binary:logistic`), or what an ONNX graph is (`classifier`, `regressor`).
    public let objectiveName: String
    /// `gbtree`, `dart`, `gblinear`, or the program that wrote an ONNX file (`skl2onnx 1.20.0`).
    public let kind: String
    public let treeCount: Int
    /// The version of the library that wrote the file, when the file says.
    public let writerVersion: String?
    /// Whether several such models are combined by majority vote (`multi:softmax`, `binary:hinge`) instead of by mean.
    public let votes: Bool
    /// The features' names in column order, when the file stores them (XGBoost JSON and UBJSON saved from a
    /// DataFrame); nil otherwise.
    public var featureNames: [String]?
    /// The kind of each feature that is not numerical, by column — which are categorical and, when the file
    /// records them, their training categories; empty when the file does not say (every feature is then numerical,
    /// or categorical by its splits alone).
    public var featureKinds = [Int: FeatureSchema.Kind]()
    /// The names the artifact gives the two classes of a binary classifier (an sklearn wrapper's `classes_`,
    /// CatBoost's class names), which its meaning does not carry; nil when it gives none.
    public var classLabels: ClassLabels?
    /// How the model's library treats a category it was not trained with.
    public var unseenCategories = FeatureSchema.UnseenCategories.missing

    /// What requests may name and send as category values (docs/feature-schema.md); nil when the file records
    /// neither names nor categorical features.
    public var schema: FeatureSchema? {
        FeatureSchema(featureCount: ir.featureCount, names: featureNames, kinds: featureKinds, unseenCategories: unseenCategories)
    }

    public init(ir: ModelIR, format: ModelFormat, meaning: PredictionMeaning, objectiveName: String, kind: String,
                treeCount: Int, writerVersion: String?, votes: Bool = false) {
        self.ir = ir
        self.format = format
        self.meaning = meaning
        self.objectiveName = objectiveName
        self.kind = kind
        self.treeCount = treeCount
        self.writerVersion = writerVersion
        self.votes = votes
    }

    /// An XGBoost model: its meaning follows from the objective and the number of output groups.
    public init(xgboost ir: ModelIR, format: ModelFormat, objective: XGBoostObjective, booster: String, treeCount: Int,
                writerVersion: String?) {
        let groupCount: Int
        switch ir {
        case .trees(let ensemble): groupCount = ensemble.groupCount
        case .doubleTrees(let forest): groupCount = forest.groupCount
        case .obliviousTrees(let forest): groupCount = forest.outputCount
        case .linear(let model): groupCount = model.groupCount
        case .graph: groupCount = 1
        }
        self.init(ir: ir, format: format, meaning: objective.meaning(groupCount: groupCount), objectiveName: objective.name,
                  kind: booster, treeCount: treeCount, writerVersion: writerVersion.map { "xgboost \($0)" }, votes: objective.votes)
    }
}
