/// Class probabilities from pairwise ones, as libsvm couples an SVC's (Wu, Lin and Weng, "Probability estimates for
/// multi-class classification by pairwise coupling", 2004, method 2): the probabilities `p` that minimise
/// `Σᵢ Σⱼ≠ᵢ (rⱼᵢ pᵢ − rᵢⱼ pⱼ)²` under `Σ p = 1`, found by the paper's fixed-point iteration. In float, in
/// onnxruntime's order of operations, at most 100 rounds, stopping once every component's error is under
/// 0.005 / classes — so the answers agree with onnxruntime's to float rounding.
enum PairwiseCoupling {
    static let rounds = 100

    /// `r` (`pairwise`) is `classes × classes`: `rᵢⱼ` the probability of class i against class j (diagonal unused);
    /// `p` receives one probability a class. `scratch` holds at least `classes × classes + classes` values, so a
    /// caller coupling row after row allocates once.
    static func probabilities(classes: Int, pairwise r: UnsafeBufferPointer<Float>, scratch: UnsafeMutableBufferPointer<Float>,
                              into p: UnsafeMutableBufferPointer<Float>) {
        precondition(scratch.count >= classes * classes + classes, "the coupling's scratch holds a matrix and a vector")
        let q = UnsafeMutableBufferPointer(rebasing: scratch[..<(classes * classes)])
        let qp = UnsafeMutableBufferPointer(rebasing: scratch[(classes * classes)..<(classes * classes + classes)])
        // Q: the quadratic form's matrix, Qᵢᵢ = Σⱼ≠ᵢ rⱼᵢ², Qᵢⱼ = −rⱼᵢ rᵢⱼ (symmetric).
        q.update(repeating: 0)
        qp.update(repeating: 0)
        for i in 0..<classes {
            p[i] = 1 / Float(classes)
            for j in 0..<i {
                q[i * classes + i] += r[j * classes + i] * r[j * classes + i]
                q[i * classes + j] = q[j * classes + i]
            }
            for j in i + 1..<classes {
                q[i * classes + i] += r[j * classes + i] * r[j * classes + i]
                q[i * classes + j] = -r[j * classes + i] * r[i * classes + j]
            }
        }
        let tolerance = 0.005 / Float(classes)
        for _ in 0..<rounds {
            // Qp and pᵀQp afresh each round, for accuracy; stop once Qp is level across the classes.
            var pQp: Float = 0
            for i in 0..<classes {
                qp[i] = 0
                for j in 0..<classes { qp[i] += q[i * classes + j] * p[j] }
                pQp += p[i] * qp[i]
            }
            var largestError: Float = 0
            for i in 0..<classes { largestError = max(largestError, abs(qp[i] - pQp)) }
            if largestError < tolerance { break }
            for i in 0..<classes {
                let step = (-qp[i] + pQp) / q[i * classes + i]
                p[i] += step
                pQp = (pQp + step * (step * q[i * classes + i] + 2 * qp[i])) / (1 + step) / (1 + step)
                for j in 0..<classes {
                    qp[j] = (qp[j] + step * q[i * classes + j]) / (1 + step)
                    p[j] /= (1 + step)
                }
            }
        }
    }
}
