/// When a forest's batch is walked a thread per (tree, row), each writing its leaf's value, and then a thread per
/// (row, output group) adding them up — rather than a thread per (row, group) walking every tree of its group in
/// turn. The XGBoost/ONNX and LightGBM kernels have both ways (`CUDAKernelSource.treeEnsemble`, `.doubleForest`).
///
/// A thread per row keeps every thread of the GPU busy once the batch is large, without writing and reading the
/// leaves; but each of its threads walks every tree one after another, so a small batch takes a whole row's walk
/// (about 1 ms for 500 trees of depth 8 on an H200) while most of the GPU idles. Measured on an H200 with the
/// 500-tree reference model: one row 1,004 → 49 µs, 1,000 rows 1,189 → 153 µs, and the same rows a second at
/// 10,000 rows per tree as at 100,000 per row.
enum PerTreeWalk {
    /// The most device memory a batch's leaves take between the two kernels.
    static let leavesBudgetBytes = 64 << 20

    /// The largest batch walked per tree: one whose thread-per-row launch (rows × groups threads) would hold fewer
    /// threads than the GPU runs at once (`residentThreads`), whose leaves (`leafBytes` each) fit in
    /// `leavesBudgetBytes`, and that is one chunk (`CUDALane.chunkRows`, since the leaves are one scratch buffer).
    static func rowLimit(residentThreads: Int, groupCount: Int, treeCount: Int, leafBytes: Int) -> Int {
        guard groupCount > 0, treeCount > 0 else { return 0 }
        return min((residentThreads - 1) / groupCount, leavesBudgetBytes / (treeCount * leafBytes), CUDALane.chunkRows)
    }
}
