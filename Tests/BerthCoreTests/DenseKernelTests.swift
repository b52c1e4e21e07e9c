import BerthTestSupport
import CBerthKernels
import Testing
@testable import BerthCore

/// The dense kernel's every instruction-set path against a plain triple loop, on sizes that leave partial row
/// blocks and partial column panels. A path this CPU cannot run is reported as skipped, not passed.
@Suite struct DenseKernelTests {
    /// Whether this CPU (and build) runs the kernel with `isa` (0 portable, 1 AVX2 and FMA, 2 AVX-512).
    static func cpuRuns(_ isa: Int32) -> Bool {
        berth_gemm_f32_using(isa, 0, 0, 0, nil, nil, nil, nil) == 0
    }

    @Test func thePortablePathMatchesAPlainLoop() {
        expectPathMatchesAPlainLoop(0)
    }

    @Test(.enabled(if: cpuRuns(1), "this CPU lacks AVX2 and FMA"))
    func theAVX2PathMatchesAPlainLoop() {
        expectPathMatchesAPlainLoop(1)
    }

    @Test(.enabled(if: cpuRuns(2), "this CPU lacks AVX-512"))
    func theAVX512PathMatchesAPlainLoop() {
        expectPathMatchesAPlainLoop(2)
    }

    func expectPathMatchesAPlainLoop(_ isa: Int32) {
        var generator = SplitMix(seed: UInt64(isa) + 3)
        func random() -> Float { Float(Int(generator.next() % 2001) - 1000) / 500 }
        for (rows, inner, columns) in [(1, 1, 1), (3, 5, 17), (8, 7, 16), (13, 37, 40), (9, 64, 3), (20, 3, 33)] {
            let a = (0..<rows * inner).map { _ in random() }
            let w = (0..<inner * columns).map { _ in random() }
            let bias = (0..<columns).map { _ in random() }
            let kernel = CPUDenseLayer(inner: inner, columns: columns, weights: w, bias: bias, parallelism: RowParallelism(threadCount: 1))
            var out = [Float](repeating: .nan, count: rows * columns)
            let status = kernel.packedWeights.withUnsafeBufferPointer { packed in
                kernel.paddedBias.withUnsafeBufferPointer { paddedBias in
                    berth_gemm_f32_using(isa, rows, inner, columns, a, packed.baseAddress, paddedBias.baseAddress, &out)
                }
            }
            #expect(status == 0, "isa \(isa) refused to run")
            for r in 0..<rows {
                for c in 0..<columns {
                    var expected = bias[c]
                    for k in 0..<inner { expected += a[r * inner + k] * w[k * columns + c] }
                    let got = out[r * columns + c]
                    #expect(abs(got - expected) <= 1e-4 * max(1, abs(expected)), "isa \(isa) \(rows)×\(inner)×\(columns) [\(r), \(c)]: \(got) vs \(expected)")
                }
            }
        }
    }

    @Test func theRunTimeChoiceIsNamed() {
        #expect(["portable", "avx2", "avx512"].contains(CPUDenseLayer.instructionSet))
    }
}
