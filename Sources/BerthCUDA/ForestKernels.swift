import CCUDA

/// A forest's kernels for its two ways of walking a batch, and which way a batch takes: a thread per (row, output
/// group) walking every tree of its group in turn (`rowKernel`), or a thread per (tree, row) writing its leaf — the
/// leaf's value, or for CatBoost's oblivious trees its index — (`leavesKernel`) and then a thread per (row, group)
/// adding them up in the same order (`sumsKernel`). The XGBoost/ONNX, LightGBM and CatBoost forests have both
/// (`CUDAKernelSource.treeEnsemble`, `.doubleForest`, `.obliviousForest`), each model supplying only its kernels'
/// arguments.
///
/// A thread per row keeps every thread of the GPU busy once the batch is large, without writing and reading the
/// leaves; but each of its threads walks every tree one after another, so a small batch takes a whole row's walk
/// (about 1 ms for 500 trees of depth 8 on an H200) while most of the GPU idles. Measured on an H200 with the
/// 500-tree reference model: one row 1,004 → 49 µs, 1,000 rows 1,189 → 153 µs, and the same rows a second at
/// 10,000 rows per tree as at 100,000 per row.
struct ForestKernels {
    /// The most device memory a batch's leaves take between the two per-tree kernels.
    static let leavesBudgetBytes = 64 << 20
    static let threadsPerBlock = 128

    let rowKernel: ccuda_function
    let leavesKernel: ccuda_function
    let sumsKernel: ccuda_function
    /// The trees the leaves kernel walks (every group's).
    let treeCount: Int
    /// The bytes of one leaf the leaves kernel writes: a float, a double for LightGBM, an int (the leaf's index) for
    /// CatBoost's oblivious trees.
    let leafBytes: Int
    /// The largest batch walked a thread per (tree, row) (`perTreeRowLimit(residentThreads:groupCount:treeCount:leafBytes:)`).
    let perTreeRowLimit: Int

    /// The kernels `source` names, in the order thread per row, leaves, sums, looked up in `module`.
    init(_ source: CUDAKernelSource, module: CUDAModule, groupCount: Int, treeCount: Int, leafBytes: Int) throws(CUDAUnavailable) {
        let kernels = source.entryPoints.compactMap { module.functions[$0] }
        guard kernels.count == 3 else {
            throw CUDAUnavailable(.compileFailed, "the \(source.name) kernels lack an entry point (\(source.entryPoints))")
        }
        (rowKernel, leavesKernel, sumsKernel) = (kernels[0], kernels[1], kernels[2])
        self.treeCount = treeCount
        self.leafBytes = leafBytes
        perTreeRowLimit = Self.perTreeRowLimit(residentThreads: module.device.residentThreads, groupCount: groupCount,
                                               treeCount: treeCount, leafBytes: leafBytes)
    }

    /// The largest batch walked per tree: one whose thread-per-row launch (rows × groups threads) would hold fewer
    /// threads than the GPU runs at once (`residentThreads`), whose leaves (`leafBytes` each) fit in
    /// `leavesBudgetBytes`, and that is one chunk (`CUDALane.chunkRows`, since the leaves are one scratch buffer).
    static func perTreeRowLimit(residentThreads: Int, groupCount: Int, treeCount: Int, leafBytes: Int) -> Int {
        guard groupCount > 0, treeCount > 0 else { return 0 }
        return min((residentThreads - 1) / groupCount, leavesBudgetBytes / (treeCount * leafBytes), CUDALane.chunkRows)
    }

    /// `rows` rows of `input` (`inputWidth` values each) through the way their count takes, on a lane of `lanes`;
    /// `read` sees the `outputWidth` margins a row. Each closure gives a kernel's arguments: the thread-per-row
    /// kernel's from a chunk's row count and the device addresses of its rows and margins, the leaves kernel's from
    /// the rows' and the leaves', the sums kernel's from the leaves' and the margins'.
    func run<Input, Output, Value>(
        on lanes: CUDALanePool, rows: Int, inputWidth: Int, outputWidth: Int, input: UnsafePointer<Input>, output: Output.Type,
        rowArguments: (_ chunkRows: Int, _ rows: ccuda_device_pointer, _ margins: ccuda_device_pointer) -> [UInt64],
        leavesArguments: (_ rows: ccuda_device_pointer, _ leaves: ccuda_device_pointer) -> [UInt64],
        sumsArguments: (_ leaves: ccuda_device_pointer, _ margins: ccuda_device_pointer) -> [UInt64],
        read: (UnsafeBufferPointer<Output>) -> Value
    ) throws(CUDAUnavailable) -> Value {
        guard rows <= perTreeRowLimit else {
            return try lanes.runRowKernel(rowKernel, rows: rows, inputWidth: inputWidth, outputWidth: outputWidth, input: input,
                                          output: Output.self, threadsPerBlock: Self.threadsPerBlock, arguments: rowArguments, read: read)
        }
        return try lanes.runKernels(rows: rows, inputWidth: inputWidth, outputWidth: outputWidth, input: input, output: Output.self,
                                    scratchBytes: rows * treeCount * leafBytes) { rowsAddress, marginsAddress, leavesAddress, stream throws(CUDAUnavailable) in
            try lanes.device.launch(leavesKernel, threads: rows * treeCount, threadsPerBlock: Self.threadsPerBlock, stream: stream,
                                    arguments: leavesArguments(rowsAddress, leavesAddress))
            try lanes.device.launch(sumsKernel, threads: rows * outputWidth, threadsPerBlock: Self.threadsPerBlock, stream: stream,
                                    arguments: sumsArguments(leavesAddress, marginsAddress))
        } read: { read($0) }
    }
}
