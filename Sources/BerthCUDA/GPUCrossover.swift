import BerthCore

/// Finds, at load, the batch size from which the GPU answers faster than the CPU for one model (or one dense
/// layer) on this machine.
///
/// Both devices run the same synthetic input at growing sizes (best of three after a warm-up); the crossover is
/// the first size where the GPU wins there and at the next size too.
enum GPUCrossover {
    static let candidateSizes = [16, 64, 256, 1024, 4096, 16384, 65536]

    /// The most memory one size's synthetic input may take. A model of very many features (a sparse text model's
    /// millions) is timed only at the sizes whose rows fit, and not at all when 16 of its rows do not.
    static let inputBudgetBytes = 256 << 20

    /// The candidate sizes whose rows of `rowWidth` values fit in `inputBudgetBytes`, counting 12 bytes a value:
    /// synthetic rows are drawn as doubles and kept as floats too.
    static func timedSizes(rowWidth: Int) -> [Int] {
        let valueBytes = MemoryLayout<Double>.stride + MemoryLayout<Float>.stride
        return candidateSizes.filter { $0 * max(rowWidth, 1) * valueBytes <= inputBudgetBytes }
    }

    struct Measurement: Sendable {
        /// The smallest batch the GPU should take; nil when it never won.
        var minimumRows: Int?
        /// "rows: cpu µs / gpu µs" for each size measured, for the log.
        var table: String
    }

    /// A tree model (a forest of any kind) on `rows` drawn from its own split thresholds, so walks go as deep and
    /// branch as variously as on real data (all-missing rows would follow the default branches only).
    static func measure(cpu: any CompiledModel, gpu: any CompiledModel, rows: SyntheticRows) -> Measurement {
        measure(sizes: timedSizes(rowWidth: rows.featureCount), prepare: rows.batch(rowCount:), cpu: { _ = cpu.predict($0) },
                gpu: { _ = gpu.predict($0) })
    }

    /// A dense layer on values in [-1, 1).
    static func measure(cpu: any DenseLayer, gpu: any DenseLayer, inner: Int, columns: Int) -> Measurement {
        measure(sizes: timedSizes(rowWidth: inner), prepare: { rows in
            let input = SyntheticRows.uniform(count: rows * inner)
            return (rows: rows, input: input, output: UnsafeMutableBufferPointer<Float>.allocate(capacity: max(rows * columns, 1)))
        }, cpu: { run in run.input.withUnsafeBufferPointer { cpu.multiply(rows: run.rows, input: $0.baseAddress!, output: run.output.baseAddress!) } },
           gpu: { run in run.input.withUnsafeBufferPointer { gpu.multiply(rows: run.rows, input: $0.baseAddress!, output: run.output.baseAddress!) } },
           release: { $0.output.deallocate() })
    }

    private static func measure<Input>(sizes: [Int], prepare: (Int) -> Input, cpu: (Input) -> Void, gpu: (Input) -> Void,
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
        Int(duration.inSeconds * 1e6)
    }
}
