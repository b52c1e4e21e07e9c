/// A linear booster (`gblinear`) in the model IR.
///
/// `margin[g] = baseMargins[g] + biases[g] + Σ_f x_f · weights[f · groupCount + g]`, skipping missing features
/// (they contribute nothing, exactly as in XGBoost's sparse dot product); then `transform`.
public struct LinearModel: Sendable, Equatable {
    public var featureCount: Int
    public var groupCount: Int
    public var weights: [Float]
    public var biases: [Float]
    public var baseMargins: [Float]
    public var transform: OutputTransform

    public init(featureCount: Int, groupCount: Int, weights: [Float], biases: [Float], baseMargins: [Float],
                transform: OutputTransform) {
        self.featureCount = featureCount
        self.groupCount = groupCount
        self.weights = weights
        self.biases = biases
        self.baseMargins = baseMargins
        self.transform = transform
    }
}
