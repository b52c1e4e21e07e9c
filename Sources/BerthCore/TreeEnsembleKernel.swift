/// TreeEnsembleRegressor / TreeEnsembleClassifier: the shared tree kernel sums (or takes the extremes of) each
/// output's votes; then average, base values, post transform and onnxruntime's binary widening. An output no
/// tree voted for is 0 before the post transform, base value or not, as onnxruntime 1.32 answers.
struct TreeEnsembleKernel: GraphKernel {
    /// The forest's sums per output group (its transform is the identity): the CPU tree kernel, or another device's.
    let model: any CompiledModel
    let operation: TreeEnsembleOperation

    var outputWidth: Int { operation.binaryWidening == nil ? model.outputCount : 2 }
    /// The forest's, and the file's node ids kept for `explain=leaves`.
    var residentBytes: Int {
        model.residentBytes + (operation.fileTrees ?? []).reduce(0) { $0 + $1.nodeIds.count * MemoryLayout<Int>.stride }
    }

    /// The forest splits its rows itself, in blocks its walks are tuned for.
    var parallelWorkPerRow: Int? { nil }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        guard inputs[0].count == 2, inputs[0].last == model.featureCount else {
            throw ModelValidationError("the tree ensemble reads \(model.featureCount) features but its input is \(Shapes.describe(inputs[0]))")
        }
        return [[inputs[0][0], outputWidth]]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let rows = inputs[0].shape[0], groups = model.outputCount
        let output = outputs[0].buffer
        let postTransform = operation.postTransform
        guard let widening = operation.binaryWidening else {
            scores(of: inputs[0]) { row, group, score in output[row * groups + group] = score }
            for row in 0..<rows { postTransform.apply(UnsafeMutableBufferPointer(rebasing: output[row * groups ..< (row + 1) * groups])) }
            return
        }
        scores(of: inputs[0]) { row, _, score in
            switch widening {
            case .complement:
                let score = postTransform == .probit ? ScorePostTransform.probit(score) : score
                output[row * 2] = 1 - score
                output[row * 2 + 1] = score
            case .negation where postTransform == .logistic:
                output[row * 2] = ScorePostTransform.logistic(-score)
                output[row * 2 + 1] = ScorePostTransform.logistic(score)
            case .negation:
                output[row * 2] = -score
                output[row * 2 + 1] = score
            }
        }
    }

    /// Hands `use` each row's scores before the post transform, one per output group (one in onnxruntime's binary
    /// case, which the widening then spreads over two columns): the votes' sum or extreme, averaged for `average`,
    /// plus the base value; 0 where no tree voted.
    @inline(__always)
    func scores(of features: TensorView, _ use: (_ row: Int, _ group: Int, _ score: Float) -> Void) {
        let rows = features.shape[0], groups = model.outputCount
        let sums = model.predict(FeatureBatch(rowCount: rows, columnCount: model.featureCount, values: Array(features.buffer)))
        let divisor = operation.aggregation == .average ? Float(max(operation.treeCount, 1)) : 1
        let base = operation.baseValues
        for row in 0..<rows {
            for group in 0..<groups {
                let sum = sums.values[row * groups + group]
                use(row, group, sum.isNaN ? 0 : sum / divisor + (group < base.count ? base[group] : 0))
            }
        }
    }
}
