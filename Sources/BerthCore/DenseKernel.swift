/// Gemm and MatMul against a constant weight matrix: `out[r, :] = bias + Σ_k x[r, k] · W[k, :]`.
///
/// The weights are packed once at load as `[K, N]` row-major (Gemm's `transB` and `alpha` folded in, `beta · C`
/// folded into the bias), so every step of the inner loop reads 16 consecutive weights into two SIMD registers
/// and updates four rows' accumulators: a register-blocked micro-kernel of 4 rows × 16 columns. Rows are split
/// across cores for large batches.
struct DenseKernel: GraphKernel {
    let inner: Int
    let columns: Int
    /// `[inner, columns]`, row-major.
    let weights: [Float]
    /// `[columns]`, or empty.
    let bias: [Float]
    let parallelism: RowParallelism

    static let rowBlock = 4
    static let columnBlock = 16

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        let shape = inputs[0]
        guard shape.count >= 2, shape.last == inner else {
            throw ModelValidationError("the input \(Shapes.describe(shape)) does not end in the weights' \(inner) rows")
        }
        return [Array(shape.dropLast()) + [columns]]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let rows = inputs[0].count / max(inner, 1)
        let input = SendablePointer(UnsafePointer(inputs[0].data))
        let output = SendableMutablePointer(outputs[0].data)
        parallelism.forEachRange(rowCount: rows, work: rows * inner * columns / 8, granularity: Self.rowBlock * 8) { range in
            multiply(range, input: input.pointer!, output: output.pointer!)
        }
    }

    private func multiply(_ range: Range<Int>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        weights.withUnsafeBufferPointer { weights in
            bias.withUnsafeBufferPointer { bias in
                var row = range.lowerBound
                while row + Self.rowBlock <= range.upperBound {
                    multiplyBlock(rows: row, input: input, output: output, weights: weights.baseAddress!, bias: bias)
                    row += Self.rowBlock
                }
                while row < range.upperBound {
                    multiplyRow(row, input: input, output: output, weights: weights.baseAddress!, bias: bias)
                    row += 1
                }
            }
        }
    }

    /// Four rows at once: 16 columns at a time in SIMD registers, then the leftover columns one by one.
    @inline(__always)
    private func multiplyBlock(rows first: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                               weights: UnsafePointer<Float>, bias: UnsafeBufferPointer<Float>) {
        let x0 = input + first * inner, x1 = x0 + inner, x2 = x1 + inner, x3 = x2 + inner
        var column = 0
        while column + Self.columnBlock <= columns {
            var low = SIMD8<Float>(repeating: 0), high = SIMD8<Float>(repeating: 0)
            if !bias.isEmpty {
                low = UnsafeRawPointer(bias.baseAddress! + column).loadUnaligned(as: SIMD8<Float>.self)
                high = UnsafeRawPointer(bias.baseAddress! + column + 8).loadUnaligned(as: SIMD8<Float>.self)
            }
            var a0 = low, a1 = high, b0 = low, b1 = high, c0 = low, c1 = high, d0 = low, d1 = high
            var w = weights + column
            for k in 0..<inner {
                let wLow = UnsafeRawPointer(w).loadUnaligned(as: SIMD8<Float>.self)
                let wHigh = UnsafeRawPointer(w + 8).loadUnaligned(as: SIMD8<Float>.self)
                let v0 = SIMD8<Float>(repeating: x0[k]), v1 = SIMD8<Float>(repeating: x1[k])
                let v2 = SIMD8<Float>(repeating: x2[k]), v3 = SIMD8<Float>(repeating: x3[k])
                a0 += v0 * wLow; a1 += v0 * wHigh
                b0 += v1 * wLow; b1 += v1 * wHigh
                c0 += v2 * wLow; c1 += v2 * wHigh
                d0 += v3 * wLow; d1 += v3 * wHigh
                w += columns
            }
            store(a0, a1, to: output + first * columns + column)
            store(b0, b1, to: output + (first + 1) * columns + column)
            store(c0, c1, to: output + (first + 2) * columns + column)
            store(d0, d1, to: output + (first + 3) * columns + column)
            column += Self.columnBlock
        }
        if column < columns {
            for row in first..<first + Self.rowBlock {
                multiplyColumns(row, from: column, input: input, output: output, weights: weights, bias: bias)
            }
        }
    }

    @inline(__always)
    private func store(_ low: SIMD8<Float>, _ high: SIMD8<Float>, to destination: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(destination).storeBytes(of: low, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(destination + 8).storeBytes(of: high, as: SIMD8<Float>.self)
    }

    private func multiplyRow(_ row: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                             weights: UnsafePointer<Float>, bias: UnsafeBufferPointer<Float>) {
        multiplyColumns(row, from: 0, input: input, output: output, weights: weights, bias: bias)
    }

    /// One row, columns `start..<columns`, SIMD8 where it fits.
    private func multiplyColumns(_ row: Int, from start: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                 weights: UnsafePointer<Float>, bias: UnsafeBufferPointer<Float>) {
        let x = input + row * inner
        let out = output + row * columns
        var column = start
        while column + 8 <= columns {
            var accumulator = bias.isEmpty ? SIMD8<Float>(repeating: 0)
                : UnsafeRawPointer(bias.baseAddress! + column).loadUnaligned(as: SIMD8<Float>.self)
            for k in 0..<inner {
                accumulator += SIMD8<Float>(repeating: x[k]) * UnsafeRawPointer(weights + k * columns + column).loadUnaligned(as: SIMD8<Float>.self)
            }
            UnsafeMutableRawPointer(out + column).storeBytes(of: accumulator, as: SIMD8<Float>.self)
            column += 8
        }
        while column < columns {
            var accumulator = bias.isEmpty ? 0 : bias[column]
            for k in 0..<inner { accumulator += x[k] * weights[k * columns + column] }
            out[column] = accumulator
            column += 1
        }
    }
}
