#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `ai.onnx.ml` SVMRegressor and SVMClassifier (`SupportVectorOperation`) on `[N, F]` rows, computed as onnxruntime
/// computes them so the answers agree to float rounding: float kernels (the radial basis one's squared distance summed
/// in feature order), a classifier's pairwise decisions summed in double from float products, Platt's sigmoid on
/// each, and libsvm's pairwise coupling (Wu, Lin and Weng, 2004, method 2) in float. Sums onnxruntime leaves to its
/// GEMM (dot products, a regressor's combination) are summed in double here.
///
/// A classifier answers one probability a class: one without Platt's scaling answers one decision a pair of classes,
/// in an order that is not the classes', and is refused at load with the fix.
struct SupportVectorKernel: GraphKernel {
    let operation: SupportVectorOperation
    let isClassifier: Bool
    let featureCount: Int
    /// A classifier's first support vector of each class.
    let classStarts: [Int]
    /// Classes a classifier may have: the coupling keeps a class × class matrix a row and iterates over it.
    static let largestClassCount = 1_024

    init(_ operation: SupportVectorOperation, isClassifier: Bool) throws(ModelValidationError) {
        self.operation = operation
        self.isClassifier = isClassifier
        let name = isClassifier ? "SVMClassifier" : "SVMRegressor"
        guard operation.vectorCount >= 0, !operation.rho.isEmpty else { throw ModelValidationError("\(name) has no rho") }
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
                guard operation.probabilityA.count >= pairs, operation.probabilityB.count >= pairs else {
                    throw ModelValidationError("""
                        \(name) has no probabilities (prob_a, prob_b): its scores are one decision a pair of classes (an SVC \
                        trained with probability=False), and Berth answers one probability a class: train it with \
                        SVC(probability=True) and export it again
                        """)
                }
                for count in operation.vectorsPerClass { starts.append((starts.last ?? 0) + count) }
                starts = [0] + starts.dropLast()
            }
        } else if operation.vectorCount > 0, operation.coefficients.count < operation.vectorCount {
            throw ModelValidationError("\(name) has \(operation.coefficients.count) coefficients for \(operation.vectorCount) support vectors")
        }
        classStarts = starts
    }

    var outputWidth: Int { isClassifier ? operation.classCount : 1 }
    var residentBytes: Int { (operation.supportVectors.count + operation.coefficients.count) * 4 }
    /// Multiply-adds a row / 64, as dense layers count theirs.
    var parallelWorkPerRow: Int? { max(operation.vectorCount, outputWidth) * featureCount / 64 }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        guard inputs[0].count == 2, inputs[0][1] == featureCount else {
            throw ModelValidationError("\(isClassifier ? "SVMClassifier" : "SVMRegressor") takes [N, \(featureCount)], not \(Shapes.describe(inputs[0]))")
        }
        return [[inputs[0][0], outputWidth]]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let rows = inputs[0].shape[0]
        let classes = operation.classCount
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(operation.vectorCount, 1)) { kernels in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(classes * classes, 1)) { pairwise in
                for row in 0..<rows {
                    let features = UnsafeBufferPointer(start: inputs[0].data + row * featureCount, count: featureCount)
                    let output = UnsafeMutableBufferPointer(start: outputs[0].data + row * outputWidth, count: outputWidth)
                    if operation.vectorCount == 0 {
                        linear(features, output)
                    } else {
                        for vector in 0..<operation.vectorCount { kernels[vector] = kernel(features, vector: vector) }
                        if isClassifier {
                            probabilities(kernels: UnsafeBufferPointer(kernels), pairwise: pairwise, output)
                        } else {
                            var sum = 0.0
                            for vector in 0..<operation.vectorCount { sum += Double(kernels[vector]) * Double(operation.coefficients[vector]) }
                            output[0] = Float(sum) + operation.rho[0]
                        }
                    }
                    if operation.oneClass && !isClassifier { output[0] = output[0] > 0 ? 1 : -1 }
                    if isClassifier { operation.postTransform.apply(output) }
                }
            }
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

    /// The kernel of a row and support vector `vector`.
    private func kernel(_ features: UnsafeBufferPointer<Float>, vector: Int) -> Float {
        let start = vector * featureCount
        switch operation.kernel {
        case .radialBasis(let gamma):
            var distance: Float = 0
            for feature in 0..<featureCount {
                let difference = features[feature] - operation.supportVectors[start + feature]
                distance += difference * difference
            }
            return expf(-gamma * distance)
        case .linear:
            return dot(features, start)
        case .polynomial(let gamma, let coef0, let degree):
            let base = gamma * dot(features, start) + coef0
            return degree == 2 ? base * base : degree == 3 ? base * base * base : powf(base, degree)
        case .sigmoid(let gamma, let coef0):
            return tanhf(gamma * dot(features, start) + coef0)
        }
    }

    private func dot(_ features: UnsafeBufferPointer<Float>, _ start: Int) -> Float {
        var sum = 0.0
        for feature in 0..<featureCount { sum += Double(features[feature]) * Double(operation.supportVectors[start + feature]) }
        return Float(sum)
    }

    /// Each pair of classes' decision, its Platt probability, then the classes' probabilities coupled from those.
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
                let platt = 1 - ScorePostTransform.logistic(score * operation.probabilityA[pair] + operation.probabilityB[pair])
                let probability = min(max(platt, 1e-7), 1 - 1e-7)
                pairwise[first * classes + second] = probability
                pairwise[second * classes + first] = 1 - probability
                pair += 1
            }
        }
        PairwiseCoupling.probabilities(classes: classes, pairwise: UnsafeBufferPointer(pairwise), into: output)
    }
}
