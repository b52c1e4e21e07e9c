import CCUDA

extension CUDALanePool {
    /// Runs a forest kernel over `rows` rows of `input` (`inputWidth` values each) on a lane: one thread per
    /// (row, output), `threadsPerBlock` to a block, a launch per chunk the lane cuts, `arguments` giving each launch
    /// its arguments from the chunk's row count and the device addresses of its rows and outputs. `read` sees the
    /// outputs (`outputWidth` per row) while the lane is still held; the lane goes back to the pool after a run that
    /// succeeded (one that failed is dropped). The forest models of every library run through here.
    func runRowKernel<Input, Output, Value>(
        _ function: ccuda_function, rows: Int, inputWidth: Int, outputWidth: Int,
        input: UnsafePointer<Input>, output: Output.Type, threadsPerBlock: Int,
        arguments: (_ chunkRows: Int, _ rows: ccuda_device_pointer, _ outputs: ccuda_device_pointer) -> [UInt64],
        read: (UnsafeBufferPointer<Output>) -> Value
    ) throws(CUDAUnavailable) -> Value {
        try device.makeCurrent()
        let lane = try take()
        let outputs = try lane.run(rows: rows, inputWidth: inputWidth, outputWidth: outputWidth, input: input, output: Output.self) {
            chunkRows, rowsAddress, outputsAddress, stream throws(CUDAUnavailable) in
            let threads = chunkRows * outputWidth
            try device.launch(function, grid: ((threads + threadsPerBlock - 1) / threadsPerBlock, 1), block: (threadsPerBlock, 1),
                              stream: stream, arguments: arguments(chunkRows, rowsAddress, outputsAddress))
        }
        let value = read(outputs)
        giveBack(lane)
        return value
    }
}
