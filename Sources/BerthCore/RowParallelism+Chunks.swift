extension RowParallelism {
    /// Calls `body` with one contiguous range of `0..<count` per thread, all at once, on Dispatch's threads with the
    /// caller's taking part; with one range on the caller's thread when there is one thread or `work` is under
    /// `minimumParallelWork`. For a model's compilation, which happens once: `forEachRange` hands ranges to the
    /// `RowWorkers` kept for requests, which would stay awake spinning after it.
    func forEachChunk(count: Int, work: Int, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(threadCount, count)
        guard chunks > 1, work >= minimumParallelWork else {
            body(0..<count)
            return
        }
        Self.onDispatch(count: count, chunks: chunks, perChunk: (count + chunks - 1) / chunks, body)
    }
}
