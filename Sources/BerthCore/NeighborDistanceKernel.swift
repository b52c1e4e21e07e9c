#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Each row's distance to every reference row (`GraphOperation.neighborDistances`): `[N, F]` rows against the constant
/// `[M, F]` references give `[N, M]`. skl2onnx writes this as a Scan over the references, one at a time; here the
/// references are laid out `lanes` at a time, feature-major, and the sums of `rowsAtOnce` rows to a block of them are
/// taken in vector lanes, each lane in feature order: the operations onnxruntime's Scan does for one reference, in that order. A power
/// of 2 or 3 is multiplied out, as onnxruntime's Pow does; any other power is `powf`, one value at a time.
struct NeighborDistanceKernel: GraphKernel {
    let metric: NeighborMetric
    let referenceCount: Int
    let featureCount: Int
    /// The references `lanes` at a time, feature-major within each block; the last block padded with zeros.
    let blocks: [Float]
    static let lanes = 8
    var constantInputs: Set<Int> { [1] }
    var residentBytes: Int { blocks.count * MemoryLayout<Float>.stride }
    /// Operations a row / 64, as dense layers count their multiply-adds.
    var parallelWorkPerRow: Int? { referenceCount * featureCount / 64 }

    init(metric: NeighborMetric, references: ConstantTensor) throws(ModelValidationError) {
        guard references.shape.count == 2, references.shape[0] > 0, references.shape[1] > 0 else {
            throw ModelValidationError("the reference rows of a distance are a \(Shapes.describe(references.shape)) tensor, not [M, F]")
        }
        self.metric = metric
        (referenceCount, featureCount) = (references.shape[0], references.shape[1])
        var blocks = [Float](repeating: 0, count: (referenceCount + Self.lanes - 1) / Self.lanes * Self.lanes * featureCount)
        for reference in 0..<referenceCount {
            let (block, lane) = reference.quotientAndRemainder(dividingBy: Self.lanes)
            for feature in 0..<featureCount {
                blocks[(block * featureCount + feature) * Self.lanes + lane] = references.values[reference * featureCount + feature]
            }
        }
        self.blocks = blocks
    }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        guard inputs[0].count == 2, inputs[0][1] == featureCount else {
            throw ModelValidationError("distances to reference rows of \(featureCount) features take [N, \(featureCount)], not \(Shapes.describe(inputs[0]))")
        }
        return [[inputs[0][0], referenceCount]]
    }

    /// Rows whose sums to a block of references are taken together, each reference vector loaded once for all of them;
    /// the rows left over (a single row, the real-time case) are summed one at a time.
    static let rowsAtOnce = 4
    /// The references' bytes run for every row before the next ones: a level-1 cache's worth, about.
    static let chunkBytes = 16 << 10

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let rows = inputs[0].shape[0]
        let input = inputs[0].data, output = outputs[0].data
        let blockCount = (referenceCount + Self.lanes - 1) / Self.lanes
        let tiled = rows / Self.rowsAtOnce * Self.rowsAtOnce
        // References a chunk of `chunkBytes` at a time, each chunk's blocks run for every row while they stay in cache.
        let blocksAtOnce = max(1, Self.chunkBytes / (featureCount * Self.lanes * MemoryLayout<Float>.stride))
        blocks.withUnsafeBufferPointer { blocks in
            withTerm { term in
                for firstBlock in stride(from: 0, to: blockCount, by: blocksAtOnce) {
                    let chunk = firstBlock..<min(firstBlock + blocksAtOnce, blockCount)
                    func reference(_ block: Int, _ feature: Int) -> SIMD8<Float> {
                        UnsafeRawPointer(blocks.baseAddress! + (block * featureCount + feature) * Self.lanes).loadUnaligned(as: SIMD8<Float>.self)
                    }
                    func write(_ sums: SIMD8<Float>, row: Int, block: Int) {
                        let first = block * Self.lanes
                        for lane in 0..<min(Self.lanes, referenceCount - first) { output[row * referenceCount + first + lane] = sums[lane] }
                    }
                    for row in stride(from: 0, to: tiled, by: Self.rowsAtOnce) {
                        let (a, b, c, d) = (input + row * featureCount, input + (row + 1) * featureCount,
                                            input + (row + 2) * featureCount, input + (row + 3) * featureCount)
                        for block in chunk {
                            var sums = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                            for feature in 0..<featureCount {
                                let vector = reference(block, feature)
                                sums.0 += term(SIMD8(repeating: a[feature]) - vector)
                                sums.1 += term(SIMD8(repeating: b[feature]) - vector)
                                sums.2 += term(SIMD8(repeating: c[feature]) - vector)
                                sums.3 += term(SIMD8(repeating: d[feature]) - vector)
                            }
                            write(sums.0, row: row, block: block)
                            write(sums.1, row: row + 1, block: block)
                            write(sums.2, row: row + 2, block: block)
                            write(sums.3, row: row + 3, block: block)
                        }
                    }
                    for row in tiled..<rows {
                        let values = input + row * featureCount
                        for block in chunk {
                            var sums = SIMD8<Float>()
                            for feature in 0..<featureCount { sums += term(SIMD8(repeating: values[feature]) - reference(block, feature)) }
                            write(sums, row: row, block: block)
                        }
                    }
                }
            }
        }
    }

    /// `body` given what each feature's difference adds to a sum, by the metric.
    @inline(__always)
    private func withTerm(_ body: ((SIMD8<Float>) -> SIMD8<Float>) -> Void) {
        switch metric {
        case .squaredEuclidean, .powerSum(2): body { $0 * $0 }
        case .manhattan: body { $0.replacing(with: -$0, where: $0 .< 0) }
        case .powerSum(3): body { difference in
            let absolute = difference.replacing(with: -difference, where: difference .< 0)
            return absolute * absolute * absolute
        }
        case .powerSum(let power): body { difference in
            var powered = SIMD8<Float>()
            for lane in 0..<Self.lanes { powered[lane] = powf(abs(difference[lane]), power) }
            return powered
        }
        }
    }
}
