import BerthCore

/// Finds, at load, the batch size from which the GPU answers faster than the CPU for one model (or one dense
/// layer) on this machine.
///
/// Both devices run the same synthetic input at growing sizes (best of three after a warm-up); the crossover is
/// the first size where the GPU wins there and at the next size too.
enum GPUCrossover {
    static let sizes = [16, 64, 256, 1024, 4096, 16384, 65536]

    struct Measurement: Sendable {
        /// The smallest batch the GPU should take; nil when it never won.
        var minimumRows: Int?
        /// "rows: cpu µs / gpu µs" for each size measured, for the log.
        var table: String
    }

    /// A tree model on rows drawn from the model's own split thresholds, so walks go as deep and branch as
    /// variously as on real data (all-missing rows would follow the default branches only).
    static func measure(cpu: any CompiledModel, gpu: any CompiledModel, forest: PackedForest, featureCount: Int) -> Measurement {
        let rows = SyntheticRows(forest: forest, featureCount: featureCount)
        return measure(prepare: rows.batch(rowCount:), cpu: { _ = cpu.predict($0) }, gpu: { _ = gpu.predict($0) })
    }

    /// A dense layer on values in [-1, 1).
    static func measure(cpu: any DenseLayer, gpu: any DenseLayer, inner: Int, columns: Int) -> Measurement {
        measure(prepare: { rows in
            let input = SyntheticRows.uniform(count: rows * inner)
            return (rows: rows, input: input, output: UnsafeMutableBufferPointer<Float>.allocate(capacity: max(rows * columns, 1)))
        }, cpu: { run in run.input.withUnsafeBufferPointer { cpu.multiply(rows: run.rows, input: $0.baseAddress!, output: run.output.baseAddress!) } },
           gpu: { run in run.input.withUnsafeBufferPointer { gpu.multiply(rows: run.rows, input: $0.baseAddress!, output: run.output.baseAddress!) } },
           release: { $0.output.deallocate() })
    }

    private static func measure<Input>(prepare: (Int) -> Input, cpu: (Input) -> Void, gpu: (Input) -> Void,
                                       release: (Input) -> Void = { _ in }) -> Measurement {
        var gpuWon = [Bool]()
        var cells = [String]()
        for size in sizes {
            let input = prepare(size)
            defer { release(input) }
            let cpuTime = bestOfThree { cpu(input) }
            let gpuTime = bestOfThree { gpu(input) }
            cells.append("\(size): \(microseconds(cpuTime)) / \(microseconds(gpuTime)) µs")
            gpuWon.append(gpuTime < cpuTime)
            if gpuWon.count >= 2 && gpuWon[gpuWon.count - 2] && gpuWon[gpuWon.count - 1] {
                return Measurement(minimumRows: sizes[gpuWon.count - 2], table: cells.joined(separator: ", "))
            }
            if cpuTime > .seconds(1) { break }
        }
        // The GPU won only at the largest size measured (or never).
        let minimumRows = gpuWon.last == true ? sizes[gpuWon.count - 1] : nil
        return Measurement(minimumRows: minimumRows, table: cells.joined(separator: ", "))
    }

    private static func bestOfThree(_ body: () -> Void) -> Duration {
        let clock = ContinuousClock()
        body()
        var best = Duration.seconds(1_000_000)
        for _ in 0..<3 {
            let start = clock.now
            body()
            best = min(best, clock.now - start)
        }
        return best
    }

    private static func microseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)
    }
}

/// Rows whose values sit just either side of the model's own thresholds, from a fixed-seed generator.
struct SyntheticRows {
    let thresholds: [[Float]]
    let featureCount: Int

    init(forest: PackedForest, featureCount: Int) {
        var thresholds = [[Float]](repeating: [], count: featureCount)
        for node in forest.nodes where node.featureAndFlags & (PackedForest.leafFlag | PackedForest.categoricalFlag) == 0 {
            thresholds[Int(node.featureAndFlags & PackedForest.featureMask)].append(node.value)
        }
        self.thresholds = thresholds
        self.featureCount = featureCount
    }

    func batch(rowCount: Int) -> FeatureBatch {
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var values = [Float](repeating: 0, count: rowCount * featureCount)
        for row in 0..<rowCount {
            for feature in 0..<featureCount {
                let candidates = thresholds[feature]
                guard !candidates.isEmpty else { continue }
                let threshold = candidates[Int(next() % UInt64(candidates.count))]
                let step = max(abs(threshold) * 1e-3, 1e-3)
                values[row * featureCount + feature] = next() & 1 == 0 ? threshold - step : threshold + step
            }
        }
        return FeatureBatch(rowCount: rowCount, columnCount: featureCount, values: values)
    }

    /// `count` values spread over [-1, 1), from a fixed-seed generator.
    static func uniform(count: Int) -> [Float] {
        var state: UInt64 = 0x2545_f491_4f6c_dd1d
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
    }
}
