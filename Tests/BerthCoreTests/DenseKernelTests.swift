import BerthTestSupport
import CBerthKernels
import Testing
@testable import BerthCore

/// The dense kernel's every instruction-set path against a plain triple loop, on sizes that leave partial row
/// blocks, partial column panels and the narrow layers (at most four columns) the AVX-512 path transposes. A path
/// this CPU cannot run is reported as skipped, not passed.
@Suite struct DenseKernelTests {
    /// Whether this CPU (and build) runs the kernel with `isa` (0 portable, 1 AVX2 and FMA, 2 AVX-512, 3 NEON).
    static func cpuRuns(_ isa: Int32) -> Bool {
        berth_gemm_f32_using(isa, 0, 0, 0, nil, nil, nil, berth_gemm_epilogue(addend: nil, relu: 0), nil) == 0
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

    /// On x86-64, `scripts/arm-kernel-check` runs the NEON path under qemu, against the AVX2 and AVX-512 paths' bits.
    @Test(.enabled(if: cpuRuns(3), "this CPU is not AArch64"))
    func theNEONPathMatchesAPlainLoop() {
        expectPathMatchesAPlainLoop(3)
    }

    @Test func thePortableEpilogueIsTheAddAndReluKernels() {
        expectEpilogueMatchesSeparateSteps(0)
    }

    @Test(.enabled(if: cpuRuns(1), "this CPU lacks AVX2 and FMA"))
    func theAVX2EpilogueIsTheAddAndReluKernels() {
        expectEpilogueMatchesSeparateSteps(1)
    }

    @Test(.enabled(if: cpuRuns(2), "this CPU lacks AVX-512"))
    func theAVX512EpilogueIsTheAddAndReluKernels() {
        expectEpilogueMatchesSeparateSteps(2)
    }

    @Test(.enabled(if: cpuRuns(3), "this CPU is not AArch64"))
    func theNEONEpilogueIsTheAddAndReluKernels() {
        expectEpilogueMatchesSeparateSteps(3)
    }

    /// Runs `isa`'s kernel on one layer's padded constants; `addend` empty means none.
    func run(_ isa: Int32, _ layer: CPUDenseLayer, rows: Int, _ a: [Float], addend: [Float], relu: Bool) -> [Float] {
        var out = [Float](repeating: .nan, count: rows * layer.columns)
        let padded = addend.isEmpty ? [] : addend + [Float](repeating: 0, count: layer.packedWeights.count / layer.inner - layer.columns)
        let status = layer.packedWeights.withUnsafeBufferPointer { packed in
            layer.paddedBias.withUnsafeBufferPointer { paddedBias in
                padded.withUnsafeBufferPointer { addend in
                    berth_gemm_f32_using(isa, rows, layer.inner, layer.columns, a, packed.baseAddress, paddedBias.baseAddress,
                                         berth_gemm_epilogue(addend: addend.isEmpty ? nil : addend.baseAddress, relu: relu ? 1 : 0), &out)
                }
            }
        }
        #expect(status == 0, "isa \(isa) refused to run")
        return out
    }

    /// The epilogue gives, bit for bit, what the kernel's plain sums followed by the Add and Relu kernels give,
    /// NaN rows and sums of exactly -0 included.
    func expectEpilogueMatchesSeparateSteps(_ isa: Int32) {
        var generator = SplitMix(seed: UInt64(isa) + 17)
        func random() -> Float { Float(Int(generator.next() % 2001) - 1000) / 500 }
        for (rows, inner, columns) in [(1, 1, 1), (3, 5, 17), (8, 7, 16), (13, 37, 40), (9, 64, 3), (20, 3, 33), (17, 4, 2), (37, 40, 1), (35, 19, 4)] {
            var a = (0..<rows * inner).map { _ in random() }
            a[0] = .nan
            // A row of -0 times positive weights, from a bias of -0, sums to -0 (and adding -0 keeps it), which Relu
            // turns into +0.
            for k in 0..<inner { a[(rows - 1) * inner + k] = -0.0 }
            var w = (0..<inner * columns).map { _ in random() }
            for k in 0..<inner { w[k * columns] = abs(w[k * columns]) + 0.5 }
            var addend = (0..<columns).map { _ in random() }
            addend[0] = -0.0
            let layer = CPUDenseLayer(inner: inner, columns: columns, weights: w, bias: [Float](repeating: -0.0, count: columns),
                                      parallelism: RowParallelism(threadCount: 1))
            let sums = run(isa, layer, rows: rows, a, addend: [], relu: false)
            let added = sums.indices.map { sums[$0] + addend[$0 % columns] }
            for (fused, separate) in [(run(isa, layer, rows: rows, a, addend: addend, relu: false), added),
                                      (run(isa, layer, rows: rows, a, addend: [], relu: true), sums.map { max($0, 0) }),
                                      (run(isa, layer, rows: rows, a, addend: addend, relu: true), added.map { max($0, 0) })] {
                #expect(fused.map(\.bitPattern) == separate.map(\.bitPattern), "isa \(isa) \(rows)×\(inner)×\(columns)")
            }
            #expect(sums[(rows - 1) * columns].bitPattern == (-0.0 as Float).bitPattern, "the -0 row sums to -0")
            #expect(rows == 1 || sums[0].isNaN, "the NaN row sums to NaN")
        }
    }

    /// Every AVX2 block (4 rows, the transposed 8 rows of a narrow layer, and the single rows after the last block)
    /// sums each output as one chain of fused multiply-adds from the bias, k in order: a row's answer does not
    /// depend on its place in the batch.
    @Test(.enabled(if: cpuRuns(1), "this CPU lacks AVX2 and FMA"))
    func theAVX2BlocksSumOneFusedChainEach() {
        expectBlocksSumOneFusedChainEach(1)
    }

    /// Every AVX-512 block (wide panels, the transposed narrow layers, single rows) sums each output as one chain
    /// of fused multiply-adds from the bias, k in order: the same value bit for bit whichever block a row falls in.
    @Test(.enabled(if: cpuRuns(2), "this CPU lacks AVX-512"))
    func theAVX512BlocksSumOneFusedChainEach() {
        expectBlocksSumOneFusedChainEach(2)
    }

    /// The NEON blocks (4 rows, then single rows) likewise: the AVX2 and AVX-512 paths' chain, so an Arm CPU answers
    /// their bits (which `scripts/arm-kernel-check` compares under qemu).
    @Test(.enabled(if: cpuRuns(3), "this CPU is not AArch64"))
    func theNEONBlocksSumOneFusedChainEach() {
        expectBlocksSumOneFusedChainEach(3)
    }

    /// A layer's activation after its sums (all but Relu applied over each thread's rows once the kernel has written
    /// them) reaches every row once, however the rows are split: the same bits as the plain layer then the activation.
    @Test(arguments: [Activation.leakyRelu(alpha: 0.1), .sigmoid, .tanh, .relu])
    func anActivationReachesEveryRowOnceWhereverTheRowsSplit(_ activation: Activation) {
        var generator = SplitMix(seed: 43)
        func random() -> Float { Float(Int(generator.next() % 2001) - 1000) / 400 }
        let (rows, inner, columns) = (301, 24, 37)
        let a = (0..<rows * inner).map { _ in random() }
        let w = (0..<inner * columns).map { _ in random() }
        let bias = (0..<columns).map { _ in random() }
        var want = [Float](repeating: 0, count: rows * columns)
        CPUDenseLayer(inner: inner, columns: columns, weights: w, bias: bias, parallelism: RowParallelism(threadCount: 1))
            .multiply(rows: rows, input: a, output: &want)
        want.withUnsafeMutableBufferPointer { activation.apply(from: $0.baseAddress!, to: $0.baseAddress!, count: $0.count) }
        for threads in [1, 3, 4] {
            let layer = CPUDenseLayer(inner: inner, columns: columns, weights: w, bias: bias, epilogue: DenseEpilogue(activation: activation),
                                      parallelism: RowParallelism(threadCount: threads, minimumParallelWork: 0))
            var got = [Float](repeating: .nan, count: rows * columns)
            layer.multiply(rows: rows, input: a, output: &got)
            let differing = got.indices.first { got[$0].bitPattern != want[$0].bitPattern }
            #expect(differing == nil, "\(activation) on \(threads) threads: value \(differing ?? 0) differs")
        }
    }

    func expectBlocksSumOneFusedChainEach(_ isa: Int32) {
        var generator = SplitMix(seed: 41)
        func random() -> Float { Float(Int(generator.next() % 2_000_001) - 1_000_000) / 300_007 }
        for (rows, inner, columns) in [(37, 40, 1), (35, 19, 4), (33, 70, 2), (19, 33, 3), (21, 45, 40), (16, 17, 5)] {
            let a = (0..<rows * inner).map { _ in random() }
            let w = (0..<inner * columns).map { _ in random() }
            let bias = (0..<columns).map { _ in random() }
            let layer = CPUDenseLayer(inner: inner, columns: columns, weights: w, bias: bias, parallelism: RowParallelism(threadCount: 1))
            let got = run(isa, layer, rows: rows, a, addend: [], relu: false)
            let expected = (0..<rows * columns).map { index -> Float in
                let (r, c) = index.quotientAndRemainder(dividingBy: columns)
                return (0..<inner).reduce(bias[c]) { $0.addingProduct(a[r * inner + $1], w[$1 * columns + c]) }
            }
            let differing = got.indices.first { got[$0].bitPattern != expected[$0].bitPattern }
            #expect(differing == nil, "isa \(isa) \(rows)×\(inner)×\(columns): value \(differing ?? 0) is \(got[differing ?? 0]), the chain gives \(expected[differing ?? 0])")
        }
    }

    func expectPathMatchesAPlainLoop(_ isa: Int32) {
        var generator = SplitMix(seed: UInt64(isa) + 3)
        func random() -> Float { Float(Int(generator.next() % 2001) - 1000) / 500 }
        for (rows, inner, columns) in [(1, 1, 1), (3, 5, 17), (8, 7, 16), (13, 37, 40), (9, 64, 3), (20, 3, 33), (37, 40, 1), (35, 19, 4)] {
            let a = (0..<rows * inner).map { _ in random() }
            let w = (0..<inner * columns).map { _ in random() }
            let bias = (0..<columns).map { _ in random() }
            let kernel = CPUDenseLayer(inner: inner, columns: columns, weights: w, bias: bias, parallelism: RowParallelism(threadCount: 1))
            var out = [Float](repeating: .nan, count: rows * columns)
            let status = kernel.packedWeights.withUnsafeBufferPointer { packed in
                kernel.paddedBias.withUnsafeBufferPointer { paddedBias in
                    berth_gemm_f32_using(isa, rows, inner, columns, a, packed.baseAddress, paddedBias.baseAddress,
                                         berth_gemm_epilogue(addend: nil, relu: 0), &out)
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
