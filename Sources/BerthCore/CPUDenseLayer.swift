import CBerthKernels

/// The CPU's dense layer: `out[r, :] = bias + Σ_k x[r, k] · W[k, :]` against a constant weight matrix.
///
/// The weights are packed once at load into panels of 16 columns (`inner × 16` floats each, zero-padded; Gemm's
/// `transB` and `alpha` folded in, `beta · C` folded into the bias), the layout the micro-kernels of
/// `CBerthKernels` stream: AVX-512 or AVX2+FMA, chosen at run time from the CPU, else portable code. The kernel
/// applies the `DenseEpilogue`'s addend and Relu as it stores each block of products; another activation runs over
/// the rows each thread has just written. Rows are split across cores for large batches.
struct CPUDenseLayer: DenseLayer {
    let inner: Int
    let columns: Int
    /// Panels of `BERTH_PANEL_WIDTH` columns, starting on a cache line.
    let packedWeights: CacheAlignedFloats
    /// One value per padded column, or empty.
    let paddedBias: [Float]
    /// The epilogue's addend, one value per padded column, or empty.
    let paddedAddend: [Float]
    /// Relu, applied by the kernel as it stores each product.
    let relu: Bool
    /// Any other activation, applied to each call's rows once the kernel has written them, on the same thread.
    let activationAfter: Activation?
    let parallelism: RowParallelism

    static let panelWidth = Int(BERTH_PANEL_WIDTH)

    var residentBytes: Int { (packedWeights.count + paddedBias.count + paddedAddend.count) * 4 }
    var placement: Placement { .cpu }

    /// `weights` is `[inner, columns]` row-major; `bias` has `columns` values or none.
    init(inner: Int, columns: Int, weights: [Float], bias: [Float], epilogue: DenseEpilogue = .none, parallelism: RowParallelism) {
        self.inner = inner
        self.columns = columns
        self.parallelism = parallelism
        let panels = (columns + Self.panelWidth - 1) / Self.panelWidth
        var packed = [Float](repeating: 0, count: panels * inner * Self.panelWidth)
        for k in 0..<inner {
            for column in 0..<columns {
                let panel = column / Self.panelWidth
                packed[panel * inner * Self.panelWidth + k * Self.panelWidth + column % Self.panelWidth] = weights[k * columns + column]
            }
        }
        packedWeights = CacheAlignedFloats(packed)
        let padding = [Float](repeating: 0, count: panels * Self.panelWidth - columns)
        paddedBias = bias.isEmpty ? [] : bias + padding
        paddedAddend = epilogue.addend.isEmpty ? [] : epilogue.addend + padding
        relu = epilogue.activation == .relu
        activationAfter = relu ? nil : epilogue.activation
    }

    func multiply(rows: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let input = SendablePointer(input)
        let output = SendableMutablePointer(output)
        // Handing rows to an awake `RowWorkers` thread costs a few microseconds: measured on a 2-core machine, a
        // split pays from about 4 M multiply-adds per call (64 rows of a 256 × 256 layer: 170 → 108 µs for the
        // MLP of docs/performance.md), so the work unit is 64 of them.
        parallelism.forEachRange(rowCount: rows, work: rows * inner * columns / 64, granularity: 32) { range in
            multiply(range, input: input.pointer!, output: output.pointer!)
        }
    }

    private func multiply(_ range: Range<Int>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        packedWeights.withUnsafeBufferPointer { weights in
            paddedBias.withUnsafeBufferPointer { bias in
                paddedAddend.withUnsafeBufferPointer { addend in
                    let epilogue = berth_gemm_epilogue(addend: addend.isEmpty ? nil : addend.baseAddress, relu: relu ? 1 : 0)
                    berth_gemm_f32(range.count, inner, columns, input + range.lowerBound * inner, weights.baseAddress,
                                   bias.isEmpty ? nil : bias.baseAddress, epilogue, output + range.lowerBound * columns)
                }
            }
        }
        let rows = output + range.lowerBound * columns
        activationAfter?.apply(from: rows, to: rows, count: range.count * columns)
    }

    /// The instruction set the dense kernel uses on this machine, for the startup log.
    static var instructionSet: String { String(cString: berth_gemm_isa()) }
}
