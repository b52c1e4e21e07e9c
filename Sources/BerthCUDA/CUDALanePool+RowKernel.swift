import CCUDA

extension CUDALanePool {
    /// Runs a forest kernel over `rows` rows of `input` (`inputWidth` values each) on a lane: one thread per
    /// (row, output), `threadsPerBlock` to a block, a launch per chunk the lane cuts, `arguments` giving each launch
    /// its arguments from the chunk's row count and the device addresses of its rows and outputs. `read` sees the
    /// outputs (`outputWidth` per row) while the lane is still held; the lane goes back to the pool after a run that
    /// succeeded (one that failed is dropped). The forest models of every library run their batches through here,
    /// except those `runKernels` takes (`ForestKernels`).
    func runRowKernel<Input, Output, Value>(
        _ function: ccuda_function, rows: Int, inputWidth: Int, outputWidth: Int,
        input: UnsafePointer<Input>, output: Output.Type, threadsPerBlock: Int,
        arguments: (_ chunkRows: Int, _ rows: ccuda_device_pointer, _ outputs: ccuda_device_pointer) -> [UInt64],
        read: (UnsafeBufferPointer<Output>) -> Value
    ) throws(CUDAUnavailable) -> Value {
        try withLane { lane throws(CUDAUnavailable) in
            let outputs = try lane.run(rows: rows, inputWidth: inputWidth, outputWidth: outputWidth, input: input, output: Output.self) {
                chunkRows, rowsAddress, outputsAddress, stream throws(CUDAUnavailable) in
                try device.launch(function, threads: chunkRows * outputWidth, threadsPerBlock: threadsPerBlock, stream: stream,
                                  arguments: arguments(chunkRows, rowsAddress, outputsAddress))
            }
            return read(outputs)
        }
    }

    /// Runs a batch of at most one chunk (`CUDALane.chunkRows`) through the kernels `launch` enqueues, in order on
    /// one stream, with `scratchBytes` of device memory (the lane's, kept for its next batch) for what they pass to
    /// each other: the rows' device address, the outputs', the scratch's. `read` sees the outputs as in
    /// `runRowKernel`. One chunk only, because chunks on the lane's two streams would share the scratch.
    func runKernels<Input, Output, Value>(
        rows: Int, inputWidth: Int, outputWidth: Int, input: UnsafePointer<Input>, output: Output.Type, scratchBytes: Int,
        launch: (_ rows: ccuda_device_pointer, _ outputs: ccuda_device_pointer, _ scratch: ccuda_device_pointer,
                 _ stream: ccuda_stream) throws(CUDAUnavailable) -> Void,
        read: (UnsafeBufferPointer<Output>) -> Value
    ) throws(CUDAUnavailable) -> Value {
        precondition(rows <= CUDALane.chunkRows, "a batch run with scratch memory must be one chunk")
        return try withLane { lane throws(CUDAUnavailable) in
            let scratch = try lane.scratch(byteCount: scratchBytes)
            let outputs = try lane.run(rows: rows, inputWidth: inputWidth, outputWidth: outputWidth, input: input, output: Output.self) {
                _, rowsAddress, outputsAddress, stream throws(CUDAUnavailable) in
                try launch(rowsAddress, outputsAddress, scratch.address, stream)
            }
            return read(outputs)
        }
    }

    /// `body` with a lane taken from the pool, given back after `body` returned; a lane that saw an error is
    /// dropped with it.
    private func withLane<Value>(_ body: (CUDALane) throws(CUDAUnavailable) -> Value) throws(CUDAUnavailable) -> Value {
        try device.makeCurrent()
        let lane = try take()
        let value = try body(lane)
        giveBack(lane)
        return value
    }
}
