extension GraphOperation {
    /// How many (non-empty) inputs a node of this operation reads, as the ONNX operator defines it. The planner
    /// checks it before any kernel looks at its inputs, so a hostile graph cannot make a kernel read an input
    /// that is not there.
    public var inputCount: ClosedRange<Int> {
        switch self {
        case .gemm: 2...3
        case .matMul, .add, .subtract, .multiply, .divide, .reshape, .power, .greater, .less, .equal, .arrayFeatureExtractor,
             .gather, .maximum, .minimum, .tableLookup, .neighborDistances, .topK, .reshapeLike, .greaterOrEqual, .lessOrEqual, .and, .or,
             .xor, .parametricRelu, .gatherElements, .cumulativeSum: 2...2
        case .select: 3...3
        case .layerNormalization: 2...3
        case .slice(let starts, _, _): starts == nil ? 3...5 : 1...1
        case .squeeze, .unsqueeze, .reduce: 1...2
        case .concat: 1...4_096
        case .relu, .leakyRelu, .sigmoid, .tanh, .softmax, .logSoftmax, .argMax, .argMin, .cast, .flatten, .identity, .transpose,
             .scaler, .normalizer, .imputer, .linearRegressor, .linearClassifier, .treeEnsemble,
             .supportVectorRegressor, .supportVectorClassifier, .unaryMath, .binarizer, .oneHotEncoder, .fill, .lpNormalization, .labelEncoder,
             .channelAffine, .fillRows:
            1...1
        }
    }
}
