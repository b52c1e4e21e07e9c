import CBerthKernels
import Testing
@testable import BerthCore

/// The quantized oblivious-tree kernel (`berth_oblivious_margins`: portable, AVX2 and AVX-512, the last with its
/// permute sums for shallow single-output forests) must give, bit for bit, the sums of the rule the forest states —
/// split `i` sets bit `i` when `value > border` in float32, a missing value by the split's `missingHolds`, leaves
/// added in tree order in double — on rows that sit on the borders, one float ulp either side, and missing.
@Suite struct ObliviousKernelTests {
    /// A deterministic generator for the random forests and rows.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % bound
        }
    }

    /// Borders on a grid of eighths the rows also hit; `wideFeature` gets 300 distinct borders, past what one byte
    /// could number.
    static func randomForest(features: Int, outputs: Int, trees: Int, maxDepth: Int, wideFeature: Int? = nil,
                             seed: UInt64) -> ObliviousForest {
        var random = Generator(state: seed)
        let missingHolds = (0..<features).map { _ in random.next(2) == 0 }
        var built = [ObliviousTree]()
        for _ in 0..<trees {
            let depth = random.next(maxDepth + 1)
            let splits = (0..<depth).map { _ -> ObliviousTree.Split in
                let feature = random.next(features)
                let border = feature == wideFeature ? Float(random.next(300) - 150) / 8 : Float(random.next(41) - 20) / 8
                return ObliviousTree.Split(feature: Int32(feature), border: border, missingHolds: missingHolds[feature])
            }
            let leaves = (0 ..< (1 << depth) * outputs).map { _ in Double(random.next(1 << 20)) / 3 - 1e5 }
            built.append(ObliviousTree(splits: splits, leafValues: leaves))
        }
        return ObliviousForest(featureCount: features, outputCount: outputs, trees: built, scale: 1,
                               biases: Array(repeating: 0, count: outputs), transform: .identity)
    }

    /// Rows of grid values, the float32 just above or below them, and NaN.
    static func rows(count: Int, features: Int, seed: UInt64) -> [Float] {
        var random = Generator(state: seed)
        return (0 ..< count * features).map { _ in
            let value = Float(random.next(330) - 165) / 8
            switch random.next(8) {
            case 0: return .nan
            case 1: return value.nextUp
            case 2: return value.nextDown
            default: return value
            }
        }
    }

    /// The forest's rule, one row and one tree at a time.
    static func expectedMargins(_ forest: ObliviousForest, rows: [Float]) -> [Double] {
        let rowCount = rows.count / forest.featureCount
        var margins = [Double](repeating: 0, count: rowCount * forest.outputCount)
        for row in 0..<rowCount {
            for tree in forest.trees {
                var leaf = 0
                for (bit, split) in tree.splits.enumerated() {
                    let value = rows[row * forest.featureCount + Int(split.feature)]
                    if value.isNaN ? split.missingHolds : value > split.border { leaf |= 1 << bit }
                }
                for output in 0..<forest.outputCount {
                    margins[row * forest.outputCount + output] += tree.leafValues[leaf * forest.outputCount + output]
                }
            }
        }
        return margins
    }

    static func cpuRuns(_ isa: Int32) -> Bool {
        let forest = try! QuantizedObliviousForest(randomForest(features: 1, outputs: 1, trees: 1, maxDepth: 1, seed: 1))
        var margin = 0.0, scratch = [UInt16](repeating: 0, count: 64)
        return forest.withForest { berth_oblivious_margins_using(isa, $0, [0], 1, &scratch, &margin) } == 0
    }

    static let shapes: [(name: String, outputs: Int, maxDepth: Int, wide: Int?)] = [
        ("shallow, one output (AVX-512 permute sums)", 1, 6, nil),
        ("deep, one output", 1, 12, nil),
        ("three outputs", 3, 6, nil),
        ("a feature with 300 borders", 1, 6, 2),
    ]

    func expectKernelFollowsTheRule(isa: Int32) throws {
        for (index, shape) in Self.shapes.enumerated() {
            let forest = Self.randomForest(features: 5, outputs: shape.outputs, trees: 40, maxDepth: shape.maxDepth,
                                           wideFeature: shape.wide, seed: UInt64(index + 1))
            let quantized = try QuantizedObliviousForest(forest)
            #expect(quantized.leavesPaddedTo64 == (shape.outputs == 1 && shape.maxDepth <= 6), "\(shape.name)")
            for rowCount in [1, 31, 32, 33, 100] {
                let rows = Self.rows(count: rowCount, features: 5, seed: UInt64(rowCount * 7 + index))
                var margins = [Double](repeating: .nan, count: rowCount * shape.outputs)
                let status = quantized.withForest { packed in
                    var scratch = [UInt16](repeating: 0, count: berth_oblivious_scratch_count(packed))
                    return berth_oblivious_margins_using(isa, packed, rows, rowCount, &scratch, &margins)
                }
                #expect(status == 0)
                #expect(margins == Self.expectedMargins(forest, rows: rows), "\(shape.name), \(rowCount) rows")
            }
        }
    }

    @Test func thePortableKernelFollowsTheRule() throws {
        try expectKernelFollowsTheRule(isa: 0)
    }

    @Test(.enabled(if: cpuRuns(1), "this CPU lacks AVX2"))
    func theAVX2KernelFollowsTheRule() throws {
        try expectKernelFollowsTheRule(isa: 1)
    }

    @Test(.enabled(if: cpuRuns(2), "this CPU lacks AVX-512 BW"))
    func theAVX512KernelFollowsTheRule() throws {
        try expectKernelFollowsTheRule(isa: 2)
    }

    @Test func splitsThatDisagreeOnMissingValuesAreRefused() {
        let forest = ObliviousForest(featureCount: 1, outputCount: 1, trees: [
            ObliviousTree(splits: [.init(feature: 0, border: 1, missingHolds: true)], leafValues: [0, 1]),
            ObliviousTree(splits: [.init(feature: 0, border: 2, missingHolds: false)], leafValues: [0, 1]),
        ], scale: 1, biases: [0], transform: .identity)
        #expect(throws: ModelValidationError.self) { try QuantizedObliviousForest(forest) }
    }
}
