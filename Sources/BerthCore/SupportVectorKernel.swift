#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `ai.onnx.ml` SVMRegressor and SVMClassifier (`SupportVectorOperation`) on `[N, F]` rows, computed as onnxruntime
/// computes them so the answers agree to float rounding: float kernels (the radial basis one's squared distance summed
/// in feature order, eight support vectors at once; the others' dot products by the dense kernel, as onnxruntime
/// leaves them to its GEMM), a classifier's pairwise decisions summed in double from float products, Platt's sigmoid
/// on each, and libsvm's pairwise coupling (Wu, Lin and Weng, 2004, method 2) in float. A regressor's combination,
/// onnxruntime's second GEMM, is summed in double (`weightedSum`).
///
/// A classifier with Platt's scaling answers one probability a class; one without answers its pairwise decisions, as
/// onnxruntime does (`SupportVectorOperation.answersDecisions`), which are not one a class and carry no class labels.
struct SupportVectorKernel: GraphKernel {
    let operation: SupportVectorOperation
    let isClassifier: Bool
    let featureCount: Int
    /// A classifier's first support vector of each class.
    let classStarts: [Int]
    /// For the radial basis kernel, the support vectors `lanes` at a time, feature-major within each block (the last
    /// block padded with zeros): a row's squared distances to a block are summed in vector lanes, each lane in feature
    /// order — the same operations, in the same order, as one vector at a time. Empty for the other kernels.
    let vectorBlocks: [Float]
    static let lanes = 8
    /// For the other kernels, the rows' dot products with every support vector: a dense layer of the vectors as
    /// columns, on the calling thread (the graph splits rows among threads). Nil for the radial basis kernel.
    let dotProducts: (any DenseLayer)?
    /// Rows whose dot products are computed at once, at most.
    static let rowsAtOnce = 32
    /// Classes a classifier may have: the coupling keeps two class × class matrices a row and iterates over one up to
    /// 100 times (about 13 million operations a row at this bound).
    static let largestClassCount = 256

    init(_ operation: SupportVectorOperation, isClassifier: Bool) throws(ModelValidationError) {
        // The support vectors are kept once, laid out for the kernel (`vectorBlocks` or `dotProducts`), not twice.
        var kept = operation
        kept.supportVectors = []
        self.operation = kept
        self.isClassifier = isClassifier
        let name = isClassifier ? "SVMClassifier" : "SVMRegressor"
        guard operation.vectorCount >= 0 else { throw ModelValidationError("\(name) has a negative n_supports, \(operation.vectorCount)") }
        guard !operation.rho.isEmpty else { throw ModelValidationError("\(name) has no rho") }
        if operation.vectorCount > 0 {
            guard operation.supportVectors.count % operation.vectorCount == 0, operation.supportVectors.count > 0 else {
                throw ModelValidationError("\(name)'s \(operation.supportVectors.count) support vector values do not split into \(operation.vectorCount) vectors")
            }
            featureCount = operation.supportVectors.count / operation.vectorCount
        } else if isClassifier {
            guard operation.classCount > 0, operation.coefficients.count % operation.classCount == 0 else {
                throw ModelValidationError("\(name)'s \(operation.coefficients.count) coefficients do not split into \(operation.classCount) classes")
            }
            featureCount = operation.coefficients.count / operation.classCount
        } else {
            featureCount = operation.coefficients.count
        }
        guard featureCount > 0 else { throw ModelValidationError("\(name) has no coefficients") }
        var starts = [Int]()
        if isClassifier {
            let classes = operation.classCount
            guard classes >= 2, classes <= Self.largestClassCount else {
                throw ModelValidationError("\(name) has \(classes) classes; Berth takes 2 to \(Self.largestClassCount)")
            }
            if operation.vectorCount > 0 {
                let pairs = classes * (classes - 1) / 2
                guard operation.vectorsPerClass.count == classes,
                      operation.vectorsPerClass.allSatisfy({ $0 >= 0 && $0 <= operation.vectorCount }),
                      operation.vectorsPerClass.reduce(0, +) == operation.vectorCount else {
                    throw ModelValidationError("\(name)'s vectors_per_class \(operation.vectorsPerClass.prefix(8)) does not count its \(operation.vectorCount) support vectors for \(classes) classes")
                }
                guard operation.coefficients.count >= (classes - 1) * operation.vectorCount, operation.rho.count >= pairs else {
                    throw ModelValidationError("\(name) has \(operation.coefficients.count) coefficients and \(operation.rho.count) rho for \(classes) classes of \(operation.vectorCount) support vectors: it needs \((classes - 1) * operation.vectorCount) and \(pairs)")
                }
                if operation.probabilityA.isEmpty && operation.probabilityB.isEmpty {
                    guard operation.postTransform == .none else {
                        throw ModelValidationError("\(name) without probabilities has post_transform \(operation.postTransform); Berth takes NONE there")
                    }
                } else if operation.probabilityA.count < pairs || operation.probabilityB.count < pairs {
                    throw ModelValidationError("\(name) has \(operation.probabilityA.count) prob_a and \(operation.probabilityB.count) prob_b for \(pairs) pairs of classes")
                }
                for count in operation.vectorsPerClass { starts.append((starts.last ?? 0) + count) }
                starts = [0] + starts.dropLast()
            }
        } else if operation.vectorCount > 0, operation.coefficients.count < operation.vectorCount {
            throw ModelValidationError("\(name) has \(operation.coefficients.count) coefficients for \(operation.vectorCount) support vectors")
        }
        classStarts = starts
        if case .radialBasis = operation.kernel {
            var blocks = [Float](repeating: 0, count: (operation.vectorCount + Self.lanes - 1) / Self.lanes * Self.lanes * featureCount)
            for vector in 0..<operation.vectorCount {
                let (block, lane) = vector.quotientAndRemainder(dividingBy: Self.lanes)
                for feature in 0..<featureCount {
                    blocks[(block * featureCount + feature) * Self.lanes + lane] = operation.supportVectors[vector * featureCount + feature]
                }
            }
            vectorBlocks = blocks
            dotProducts = nil
        } else {
            vectorBlocks = []
            var transposed = [Float](repeating: 0, count: operation.vectorCount * featureCount)
            for vector in 0..<operation.vectorCount {
                for feature in 0..<featureCount {
                    transposed[feature * operation.vectorCount + vector] = operation.supportVectors[vector * featureCount + feature]
                }
            }
            dotProducts = operation.vectorCount == 0 ? nil : CPUBackend(parallelism: RowParallelism(threadCount: 1)).denseLayer(
                DenseWeights(inner: featureCount, columns: operation.vectorCount, weights: transposed, bias: []))
        }
    }

    var answersDecisions: Bool { isClassifier && operation.answersDecisions }

    var outputWidth: Int {
        guard isClassifier else { return 1 }
        guard answersDecisions else { return operation.classCount }
        return operation.classCount == 2 ? 2 : operation.classCount * (operation.classCount - 1) / 2
    }
    var residentBytes: Int {
        (vectorBlocks.count + operation.coefficients.count) * 4 + (dotProducts?.residentBytes ?? 0)
    }
    /// Multiply-adds a row / 64, as dense layers count theirs.
    var parallelWorkPerRow: Int? {
        let coupling = isClassifier && !answersDecisions && operation.vectorCount > 0
            ? PairwiseCoupling.rounds * 2 * operation.classCount * operation.classCount : 0
        return (max(operation.vectorCount, outputWidth) * featureCount + coupling) / 64
    }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        guard inputs[0].count == 2, inputs[0][1] == featureCount else {
            throw ModelValidationError("\(isClassifier ? "SVMClassifier" : "SVMRegressor") takes [N, \(featureCount)], not \(Shapes.describe(inputs[0]))")
        }
        return [[inputs[0][0], outputWidth]]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let rows = inputs[0].shape[0]
        let classes = operation.classCount, vectors = operation.vectorCount
        // Rows at once while their kernels take at most 4 MiB, whatever a file's vector count.
        let chunk = dotProducts == nil ? 1 : max(1, min(Self.rowsAtOnce, (1 << 20) / max(vectors, 1)))
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(vectors * chunk, 1)) { kernels in
            // A classifier's pairwise probabilities, then the coupling's matrix and vector (`PairwiseCoupling`).
            let scratch = isClassifier && !answersDecisions && vectors > 0 ? 2 * classes * classes + classes : 1
            withUnsafeTemporaryAllocation(of: Float.self, capacity: scratch) { pairwise in
                for first in stride(from: 0, to: rows, by: chunk) {
                    let count = min(chunk, rows - first)
                    if let dotProducts {
                        dotProducts.multiply(rows: count, input: inputs[0].data + first * featureCount, output: kernels.baseAddress!)
                        applyKernel(toDots: UnsafeMutableBufferPointer(rebasing: kernels[..<(count * vectors)]))
                    }
                    for row in first..<first + count {
                        let features = UnsafeBufferPointer(start: inputs[0].data + row * featureCount, count: featureCount)
                        let output = UnsafeMutableBufferPointer(start: outputs[0].data + row * outputWidth, count: outputWidth)
                        let rowKernels = UnsafeMutableBufferPointer(rebasing: kernels[(row - first) * vectors ..< (row - first + 1) * vectors])
                        answer(features, kernels: rowKernels, pairwise: pairwise, output)
                    }
                }
            }
        }
    }

    /// One row's answer, its kernels with every support vector already in `kernels` unless they are radial basis ones.
    private func answer(_ features: UnsafeBufferPointer<Float>, kernels: UnsafeMutableBufferPointer<Float>,
                        pairwise: UnsafeMutableBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>) {
        if operation.vectorCount == 0 {
            linear(features, output)
        } else {
            if dotProducts == nil { radialBasisKernels(features, into: kernels) }
            if isClassifier {
                probabilities(kernels: UnsafeBufferPointer(kernels), pairwise: pairwise, output)
            } else {
                output[0] = Float(Self.weightedSum(UnsafeBufferPointer(kernels), operation.coefficients)) + operation.rho[0]
            }
        }
        if operation.oneClass && !isClassifier { output[0] = output[0] > 0 ? 1 : -1 }
        if isClassifier { operation.postTransform.apply(output) }
    }

    /// `Σ values[i] · weights[i]` over `values`, in double, in eight lanes then across them.
    static func weightedSum(_ values: UnsafeBufferPointer<Float>, _ weights: [Float]) -> Double {
        weights.withUnsafeBufferPointer { weights in
            let count = values.count
            var lanes = SIMD8<Double>()
            var index = 0
            while index + 8 <= count {
                let value = UnsafeRawPointer(values.baseAddress! + index).loadUnaligned(as: SIMD8<Float>.self)
                let weight = UnsafeRawPointer(weights.baseAddress! + index).loadUnaligned(as: SIMD8<Float>.self)
                lanes += SIMD8<Double>(value) * SIMD8<Double>(weight)
                index += 8
            }
            var sum = lanes.sum()
            while index < count {
                sum += Double(values[index]) * Double(weights[index])
                index += 1
            }
            return sum
        }
    }

    /// Without support vectors: each output's weights on the features, plus the first rho.
    private func linear(_ features: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>) {
        for column in output.indices {
            var sum = 0.0
            for feature in 0..<featureCount {
                sum += Double(features[feature]) * Double(operation.coefficients[column * featureCount + feature])
            }
            output[column] = Float(sum) + operation.rho[0]
        }
    }

    /// The radial basis kernel of a row and each support vector, a block of `lanes` vectors at a time.
    private func radialBasisKernels(_ features: UnsafeBufferPointer<Float>, into kernels: UnsafeMutableBufferPointer<Float>) {
        guard case .radialBasis(let gamma) = operation.kernel else { return }
        vectorBlocks.withUnsafeBufferPointer { blocks in
            for block in 0..<(operation.vectorCount + Self.lanes - 1) / Self.lanes {
                let base = UnsafeRawPointer(blocks.baseAddress! + block * featureCount * Self.lanes)
                var distance = SIMD8<Float>()
                for feature in 0..<featureCount {
                    let vector = base.loadUnaligned(fromByteOffset: feature * Self.lanes * MemoryLayout<Float>.stride, as: SIMD8<Float>.self)
                    let difference = SIMD8<Float>(repeating: features[feature]) - vector
                    distance += difference * difference
                }
                let first = block * Self.lanes
                for lane in 0..<min(Self.lanes, operation.vectorCount - first) { kernels[first + lane] = expf(-gamma * distance[lane]) }
            }
        }
    }

    /// The linear, polynomial or sigmoid kernels of the dot products in `values`, in place: one loop for each kernel,
    /// so the compiler vectorises the polynomial ones.
    private func applyKernel(toDots values: UnsafeMutableBufferPointer<Float>) {
        switch operation.kernel {
        case .linear, .radialBasis:
            // Radial basis kernels are computed from distances (`radialBasisKernels`), never from dot products.
            return
        case .polynomial(let gamma, let coef0, let degree) where degree == 2:
            for index in values.indices {
                let base = gamma * values[index] + coef0
                values[index] = base * base
            }
        case .polynomial(let gamma, let coef0, let degree) where degree == 3:
            for index in values.indices {
                let base = gamma * values[index] + coef0
                values[index] = base * base * base
            }
        case .polynomial(let gamma, let coef0, let degree):
            for index in values.indices { values[index] = powf(gamma * values[index] + coef0, degree) }
        case .sigmoid(let gamma, let coef0):
            for index in values.indices { values[index] = tanhf(gamma * values[index] + coef0) }
        }
    }

    /// Each pair of classes' decision, its Platt probability, then the classes' probabilities coupled from those; or,
    /// without Platt's scaling, the decisions themselves.
    private func probabilities(kernels: UnsafeBufferPointer<Float>, pairwise: UnsafeMutableBufferPointer<Float>,
                               _ output: UnsafeMutableBufferPointer<Float>) {
        let classes = operation.classCount, vectors = operation.vectorCount
        var pair = 0
        for first in 0..<classes - 1 {
            for second in first + 1..<classes {
                // libsvm's layout: the coefficients of the first class's vectors against the second class sit in row
                // second - 1, those of the second class's vectors against the first in row first.
                var sum = 0.0
                let firstStart = classStarts[first], secondStart = classStarts[second]
                for offset in 0..<operation.vectorsPerClass[first] {
                    sum += Double(operation.coefficients[(second - 1) * vectors + firstStart + offset] * kernels[firstStart + offset])
                }
                for offset in 0..<operation.vectorsPerClass[second] {
                    sum += Double(operation.coefficients[first * vectors + secondStart + offset] * kernels[secondStart + offset])
                }
                sum += Double(operation.rho[pair])
                let score = Float(sum)
                if answersDecisions {
                    if classes == 2 {
                        output[0] = -score
                        output[1] = score
                    } else {
                        output[pair] = score
                    }
                    pair += 1
                    continue
                }
                let platt = 1 - ScorePostTransform.logistic(score * operation.probabilityA[pair] + operation.probabilityB[pair])
                let probability = min(max(platt, 1e-7), 1 - 1e-7)
                pairwise[first * classes + second] = probability
                pairwise[second * classes + first] = 1 - probability
                pair += 1
            }
        }
        if !answersDecisions {
            PairwiseCoupling.probabilities(classes: classes, pairwise: UnsafeBufferPointer(rebasing: pairwise[..<(classes * classes)]),
                                           scratch: UnsafeMutableBufferPointer(rebasing: pairwise[(classes * classes)...]), into: output)
        }
    }
}
