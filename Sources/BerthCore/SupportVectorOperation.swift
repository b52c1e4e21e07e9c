/// `ai.onnx.ml` SVMRegressor and SVMClassifier: libsvm's models (scikit-learn's SVR, SVC, NuSVC, OneClassSVM) as
/// skl2onnx writes them (docs/model-formats.md §3.3).
///
/// With support vectors, a row's score against each vector is the kernel of the two, and the answer combines those
/// scores with the coefficients: one sum for a regressor; for a classifier one decision a pair of classes, which
/// with Platt's pairwise probabilities (`probabilityA`, `probabilityB`) become class probabilities. Without support
/// vectors (liblinear's layout) the coefficients are weights on the features themselves.
public struct SupportVectorOperation: Sendable, Equatable {
    /// How a row is compared with a support vector; `dot` is their dot product.
    public enum Kernel: Sendable, Equatable {
        /// `dot`.
        case linear
        /// `(gamma · dot + coef0) ^ degree`.
        case polynomial(gamma: Float, coef0: Float, degree: Float)
        /// `exp(-gamma · |row - vector|²)`.
        case radialBasis(gamma: Float)
        /// `tanh(gamma · dot + coef0)`.
        case sigmoid(gamma: Float, coef0: Float)
    }

    public var kernel: Kernel
    /// `vectorCount` support vectors of equal length, one after another; empty without support vectors.
    public var supportVectors: [Float]
    public var vectorCount: Int
    /// A regressor's: one a support vector (or a feature, without support vectors). A classifier's: one row of
    /// `vectorCount` a class but one, libsvm's layout (or one row of features a class, without support vectors).
    public var coefficients: [Float]
    /// The constant added to each decision: one, or one a pair of classes.
    public var rho: [Float]
    /// A classifier's class count (its labels); 0 for a regressor.
    public var classCount: Int
    /// A classifier's support vectors for each class, in class order; empty for a regressor.
    public var vectorsPerClass: [Int]
    /// A classifier's Platt scaling, one pair a pair of classes; empty when it has no probabilities.
    public var probabilityA: [Float]
    public var probabilityB: [Float]
    /// A regressor that answers only the sign of its score, ±1 (`one_class`).
    public var oneClass: Bool
    /// A classifier's post transform of its scores.
    public var postTransform: ScorePostTransform

    /// Whether a classifier answers its pairwise decisions (support vectors, no Platt scaling): `[−d, d]` for two
    /// classes, as onnxruntime widens the one decision, else one column a pair of classes (01, 02, …, 12, …). They are
    /// not one a class, so they carry no class labels.
    public var answersDecisions: Bool { classCount > 0 && vectorCount > 0 && probabilityA.isEmpty }

    public init(kernel: Kernel, supportVectors: [Float], vectorCount: Int, coefficients: [Float], rho: [Float],
                classCount: Int = 0, vectorsPerClass: [Int] = [], probabilityA: [Float] = [], probabilityB: [Float] = [],
                oneClass: Bool = false, postTransform: ScorePostTransform = .none) {
        self.kernel = kernel
        self.supportVectors = supportVectors
        self.vectorCount = vectorCount
        self.coefficients = coefficients
        self.rho = rho
        self.classCount = classCount
        self.vectorsPerClass = vectorsPerClass
        self.probabilityA = probabilityA
        self.probabilityB = probabilityB
        self.oneClass = oneClass
        self.postTransform = postTransform
    }
}
