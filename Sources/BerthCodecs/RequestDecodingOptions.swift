import BerthCore

/// What decoding a request needs beyond its bytes and the model's width: deployment settings, and where the
/// body sits in a larger file so error messages can name the line a person sees.
public struct RequestDecodingOptions: Sendable, Equatable {
    /// The number libsvm calls the first feature (`BERTH_LIBSVM_INDEX_BASE`): 0 as SageMaker's built-in XGBoost
    /// documents, or 1 as LIBSVM's own tools write. Set once per deployment, never guessed per request (FMT-SVM-2).
    public var libsvmIndexBase: Int
    /// The line number of the body's first line (1 for a request; later for a slice of a `berth predict` input).
    public var firstLineNumber: Int
    /// Whether the model compares doubles, so the decoder keeps each number's double value beside its float32.
    public var precision: FeaturePrecision

    public init(libsvmIndexBase: Int = 0, firstLineNumber: Int = 1, precision: FeaturePrecision = .float32) {
        self.libsvmIndexBase = libsvmIndexBase
        self.firstLineNumber = firstLineNumber
        self.precision = precision
    }
}
