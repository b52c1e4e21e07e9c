/// What one `OperatorNode` computes. Each case carries the attributes that change its arithmetic, already
/// defaulted and checked by the format reader (docs/model-formats.md §3.2–3.3).
public enum GraphOperation: Sendable, Equatable {
    /// `alpha·A'·B' + beta·C` (C optional and broadcast).
    case gemm(alpha: Float, beta: Float, transA: Bool, transB: Bool)
    /// numpy `matmul` of a batch tensor by a 2-D matrix.
    case matMul
    case add, subtract, multiply, divide
    /// numpy broadcasting; the comparisons give 1 or 0 (Berth holds booleans as floats), and the logical operators
    /// take any value but 0 for true.
    case power, greater, less, equal, greaterOrEqual, lessOrEqual, and, or, xor
    /// ONNX Where: the second input's value where the first (a condition) is true, else the third's; the three broadcast.
    case select
    /// The larger or smaller of two values, NaN where either is NaN (a Max or Min of several inputs is a chain of them).
    case maximum, minimum
    /// ONNX PRelu: `x` from 0 up, the second input (the slope, broadcast) times `x` below.
    case parametricRelu
    /// Exp, Log, Sqrt, Reciprocal, Neg, Abs, Not of a boolean, IsNaN and Erf.
    case unaryMath(UnaryMath)
    /// `ai.onnx.ml` Binarizer: 1 where a value is greater than `threshold`, else 0.
    case binarizer(threshold: Float)
    /// A tensor of the input's shape, every value `value`: ONNX's ConstantOfShape of the input's Shape.
    case fill(value: Float)
    /// A tensor of the input's batch size then `trailing`, every value `value`: a ConstantOfShape of a shape built from
    /// the batch size.
    case fillRows(trailing: [Int], value: Float)
    /// ReduceSum and its kin over `axes` (nil: from the node's second input, or every axis when it has none).
    case reduce(Reduction, axes: [Int]?, keepDims: Bool, noopWithEmptyAxes: Bool)
    /// `ai.onnx.ml` ArrayFeatureExtractor: the last axis's entries at the (constant) indices of the second input.
    case arrayFeatureExtractor
    /// The entries along `axis` at the (constant) indices of the second input, numpy's `take`.
    case gather(axis: Int)
    /// The entries of a constant table (the first input) at the computed indices of the second: shaped like the
    /// indices for a 1-D table, `[N, T, …]` for one of `T` rows. `ai.onnx.ml` ArrayFeatureExtractor the other way round
    /// (a k-NN model's training labels or targets by neighbour).
    case tableLookup
    /// Each row's distance to each row of the constant second input `[M, F]`, `[N, F]` to `[N, M]`: the Scan with which
    /// skl2onnx writes scipy's `cdist` for a k-nearest-neighbours model, as one operation.
    case neighborDistances(NeighborMetric)
    /// The `k` (the constant second input) largest or smallest entries along `axis`, then their indices: onnxruntime's
    /// order, ties to the lower index and NaN above every number.
    case topK(axis: Int, largest: Bool)
    /// The running sum along the axis the constant second input names (never the batch), `exclusive` leaving each
    /// value out of its own, `reverse` from the axis's end (ONNX CumSum).
    case cumulativeSum(exclusive: Bool, reverse: Bool)
    /// The first input's values along `axis` at the indices the second holds in the same places (ONNX GatherElements).
    case gatherElements(axis: Int)
    /// `ai.onnx.ml` OneHotEncoder of integer categories: a new last axis, 1 where a value (truncated to an integer)
    /// is that category; `refusesUnknown` (`zeros=0`) when a value that is none fails the request rather than giving
    /// zeros.
    case oneHotEncoder(categories: [Int], refusesUnknown: Bool)
    case relu
    case leakyRelu(alpha: Float)
    case sigmoid
    case tanh
    /// `legacy`: opset < 13, where the input is flattened to 2-D at `axis`.
    case softmax(axis: Int, legacy: Bool)
    case logSoftmax(axis: Int, legacy: Bool)
    /// Indices of the first (or last) maximum along `axis`.
    case argMax(axis: Int, keepDims: Bool, selectLastIndex: Bool)
    /// Indices of the first (or last) minimum along `axis`.
    case argMin(axis: Int, keepDims: Bool, selectLastIndex: Bool)
    /// A cast to float keeps the values; to an integer type truncates toward zero; to bool tests for non-zero.
    case cast(CastTarget)
    /// The new shape is the node's second (constant) input.
    case reshape(allowZero: Bool)
    /// The first input's values under the second input's shape: a Reshape by the Shape of another tensor.
    case reshapeLike
    case flatten(axis: Int)
    /// ONNX Slice: `starts`, `ends` and `axes` the attributes of opset 9 (nil: the constant second to fourth inputs),
    /// steps the constant fifth input (1 when absent). Never along the batch axis, but for all of it.
    case slice(starts: [Int]?, ends: [Int]?, axes: [Int]?)
    /// ONNX LpNormalization: each vector along `axis` divided by its L1 (`order` 1) or L2 (2) norm; a zero norm gives
    /// zeros, as onnxruntime's does.
    case lpNormalization(axis: Int, order: Int)
    /// ONNX BatchNormalization at inference: `x · scale + bias` along axis 1 (the channel axis), the scale and bias
    /// worked out by the format reader from the node's constant statistics, as onnxruntime works them out.
    case channelAffine(scale: [Float], bias: [Float])
    /// ONNX LayerNormalization: each row's entries from `axis` on less their mean, over their standard deviation
    /// (with `epsilon` under the root), times the second input and plus the third (when given), broadcast over them.
    case layerNormalization(axis: Int, epsilon: Float)
    /// `ai.onnx.ml` LabelEncoder of numeric keys to numeric values: each value's key's value, `fallback` for any other.
    case labelEncoder(keys: [Float], values: [Float], fallback: Float)
    case concat(axis: Int)
    case identity
    case transpose(permutation: [Int])
    /// `axes` nil: from the node's second input (opset ≥ 13), or every dimension of size 1 for Squeeze.
    case squeeze(axes: [Int]?)
    case unsqueeze(axes: [Int]?)
    /// `ai.onnx.ml` Scaler: `(x - offset) · scale` per feature.
    case scaler(offset: [Float], scale: [Float])
    case normalizer(NormalizerNorm)
    /// `ai.onnx.ml` Imputer: every value equal to `replaced` (or NaN, when `replaced` is NaN) becomes the feature's imputed value.
    case imputer(values: [Float], replaced: Float)
    case linearRegressor(LinearModelOperation)
    case linearClassifier(LinearModelOperation)
    case treeEnsemble(TreeEnsembleOperation)
    case supportVectorRegressor(SupportVectorOperation)
    case supportVectorClassifier(SupportVectorOperation)
}

/// The one-input functions of `GraphOperation.unaryMath`: arithmetic, and the activations PyTorch exports beside
/// the four a dense layer folds in (`Activation`), each with the ONNX defaults already filled in by the reader.
public enum UnaryMath: Sendable, Equatable {
    case exp, log, sqrt, reciprocal, negate, absolute, logicalNot, isNaN, erf
    /// `log(1 + e^x)`, worked out without overflow as onnxruntime does.
    case softplus
    /// `x / (1 + |x|)`.
    case softsign
    /// `x` from 0 up, `alpha · (e^x − 1)` below.
    case elu(alpha: Float)
    /// `gamma · elu(x)` with `alpha`.
    case selu(alpha: Float, gamma: Float)
    /// `max(0, x) + min(0, alpha · (e^(x / alpha) − 1))`.
    case celu(alpha: Float)
    /// `max(0, min(1, alpha · x + beta))`.
    case hardSigmoid(alpha: Float, beta: Float)
    /// `x · hardSigmoid(x)` with `alpha` 1/6 and `beta` 0.5.
    case hardSwish
    /// `x · tanh(softplus(x))`.
    case mish
    /// `x` above `alpha`, else 0.
    case thresholdedRelu(alpha: Float)
    /// ONNX Shrink (torch's Hardshrink and Softshrink): `x + bias` below `−lambda`, `x − bias` above `lambda`, else 0.
    case shrink(bias: Float, lambda: Float)
    /// `x · Φ(x)`: exactly, by the error function, or by its tanh approximation (`tanhApproximation`).
    case gelu(tanhApproximation: Bool)
}

/// How `GraphOperation.neighborDistances` measures a row against a reference row: a sum over the features of the
/// differences' squares, absolute values or absolute values to a power (scipy's `cdist` before any root, which the
/// file takes in a node of its own).
public enum NeighborMetric: Sendable, Equatable {
    /// Σ (x − r)²: `sqeuclidean`, and `euclidean` before its Sqrt.
    case squaredEuclidean
    /// Σ |x − r|: `manhattan`, `cityblock`, Minkowski with p = 1.
    case manhattan
    /// Σ |x − r|ᵖ: Minkowski before its root.
    case powerSum(Float)
}

/// What a `GraphOperation.reduce` computes over the reduced axes.
public enum Reduction: Sendable, Equatable {
    case sum, mean, maximum, minimum, product, logSumExp
    /// Σ x², Σ |x|, √Σ x², log Σ x.
    case sumOfSquares, l1, l2, logSum
}

public enum CastTarget: Sendable, Equatable {
    case float, integer, boolean
}

public enum NormalizerNorm: Sendable, Equatable {
    case max, l1, l2
}

/// `ai.onnx.ml` post transforms, applied to each row of scores.
public enum ScorePostTransform: Sendable, Equatable {
    case none, logistic, softmax, softmaxZero, probit
}

/// LinearRegressor / LinearClassifier: `scores = X · Wᵀ + intercepts`, W laid out `[output][feature]`.
public struct LinearModelOperation: Sendable, Equatable {
    public var coefficients: [Float]
    public var intercepts: [Float]
    public var outputCount: Int
    public var postTransform: ScorePostTransform
    /// Classifiers: how many class labels the model names (one coefficient row with two labels is binary).
    public var labelCount: Int

    public init(coefficients: [Float], intercepts: [Float], outputCount: Int, postTransform: ScorePostTransform, labelCount: Int) {
        self.coefficients = coefficients
        self.intercepts = intercepts
        self.outputCount = outputCount
        self.postTransform = postTransform
        self.labelCount = labelCount
    }
}

/// TreeEnsembleRegressor / TreeEnsembleClassifier: the trees (one per tree and output it votes for) go through
/// the shared tree kernel; then aggregation, base values, post transform and the binary widening of onnxruntime.
public struct TreeEnsembleOperation: Sendable, Equatable {
    public enum Aggregation: Sendable, Equatable { case sum, average, minimum, maximum }

    /// Sums (or extremes) per output, no base and no transform.
    public var ensemble: TreeEnsemble
    /// The number of trees in the file, for `average`.
    public var treeCount: Int
    public var aggregation: Aggregation
    public var baseValues: [Float]
    public var postTransform: ScorePostTransform
    /// A classifier with two labels whose leaves vote for one class only: onnxruntime widens the score to two columns.
    public var binaryWidening: BinaryWidening?

    public enum BinaryWidening: Sendable, Equatable {
        /// Every class weight is positive: `[1 - s, s]`.
        case complement
        /// Mixed signs: `[-s, s]`, or `[σ(-s), σ(s)]` with a logistic post transform.
        case negation
    }

    /// The file's trees, in the order their ids first appear, for `explain=leaves`; nil where some tree votes for no
    /// output (it has no IR tree to walk).
    public var fileTrees: [FileTree]?

    /// One tree of the file as the IR walks it: a tree voting for several outputs is several IR trees of one shape,
    /// so its first one serves, and each of that IR tree's nodes knows the file's node id it was built from
    /// (`nodes_nodeids`; a `BRANCH_EQ` split's copies share theirs).
    public struct FileTree: Sendable, Equatable {
        public var irTree: Int
        public var nodeIds: [Int]

        public init(irTree: Int, nodeIds: [Int]) {
            self.irTree = irTree
            self.nodeIds = nodeIds
        }
    }

    public init(ensemble: TreeEnsemble, treeCount: Int, aggregation: Aggregation, baseValues: [Float],
                postTransform: ScorePostTransform, binaryWidening: BinaryWidening?, fileTrees: [FileTree]? = nil) {
        self.ensemble = ensemble
        self.treeCount = treeCount
        self.aggregation = aggregation
        self.baseValues = baseValues
        self.postTransform = postTransform
        self.binaryWidening = binaryWidening
        self.fileTrees = fileTrees
    }
}
