import Dispatch

/// TreeSHAP over a batch, on as many threads as `RowParallelism` allows: the rows split across threads, or — for
/// fewer rows than threads, the real-time case of one row — the trees, each thread summing its trees into its own
/// buffer, the buffers then added in order. The XGBoost and LightGBM kernels explain through it (CatBoost's oblivious
/// trees walk each tree once for each leaf a batch reaches instead).
///
/// Unchecked Sendable: the closures read the caller's rows and packed forest, which outlive `run`, and threads only
/// read through them; each thread writes its own rows or its own buffer.
struct TreeSHAPBatch<Forest: TreeSHAPForest>: @unchecked Sendable {
    let forest: Forest
    let rowCount: Int
    /// Row `index` as the forest reads it.
    let row: (Int) -> Forest.Row
    let treeCount: Int
    /// Each tree's root, its output group, and its share of the bias (its expected value).
    let root: (Int) -> Int32
    let group: (Int) -> Int
    let treeBias: (Int) -> Double
    let featureCount: Int
    let groupCount: Int
    /// The deepest tree's splits, which size each thread's scratch.
    let depth: Int
    /// Row × node steps of the whole batch, against `RowParallelism.minimumParallelWork`.
    let work: Int

    var valuesPerRow: Int { groupCount * (featureCount + 1) }

    /// Every row's contributions, `valuesPerRow` each, without the model's base margins.
    func run(parallelism: RowParallelism) -> [Double] {
        var result = [Double](repeating: 0, count: rowCount * valuesPerRow)
        let threads = min(parallelism.threadCount, treeCount)
        if rowCount >= parallelism.threadCount || threads < 2 || work < parallelism.minimumParallelWork {
            result.withUnsafeMutableBufferPointer { output in
                let outputPointer = SendableMutablePointer(output.baseAddress)
                parallelism.forEachRange(rowCount: rowCount, work: work, granularity: 1) { rows in
                    add(rows: rows, trees: 0..<treeCount, into: outputPointer.pointer!)
                }
            }
            return result
        }
        let perThread = (treeCount + threads - 1) / threads
        var partial = [Double](repeating: 0, count: threads * result.count)
        partial.withUnsafeMutableBufferPointer { buffers in
            let buffersPointer = SendableMutablePointer(buffers.baseAddress)
            let size = result.count
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                let trees = thread * perThread ..< min((thread + 1) * perThread, treeCount)
                if !trees.isEmpty { add(rows: 0..<rowCount, trees: trees, into: buffersPointer.pointer! + thread * size) }
            }
        }
        for thread in 0..<threads {
            for index in result.indices { result[index] += partial[thread * result.count + index] }
        }
        return result
    }

    /// Adds `trees`' contributions for `rows` into `output` (laid out for every row of the batch).
    private func add(rows: Range<Int>, trees: Range<Int>, into output: UnsafeMutablePointer<Double>) {
        let width = featureCount + 1
        let inverses = TreeSHAPPath.inverses(count: depth + 3)
        withUnsafeTemporaryAllocation(of: TreeSHAPPath.Element.self, capacity: TreeSHAPPath.scratchCount(depth: depth)) { path in
            path.initialize(repeating: TreeSHAPPath.Element(feature: -1, zero: 0, one: 0, weight: 0))
            inverses.withUnsafeBufferPointer { inverses in
                for index in rows {
                    let phi = output + index * valuesPerRow
                    let features = row(index)
                    for tree in trees {
                        let groupPhi = phi + group(tree) * width
                        TreeSHAPPath.addContributions(forest, root: root(tree), row: features, path: path.baseAddress!,
                                                      inverses: inverses.baseAddress!, phi: groupPhi)
                        groupPhi[featureCount] += treeBias(tree)
                    }
                }
            }
        }
    }
}
