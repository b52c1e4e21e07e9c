import Synchronization

extension RowParallelism {
    /// `transform` of each index of `0..<count`, in order, computed in `forEachChunk`'s chunks: for a model's parts
    /// that read independently at load (an XGBoost model's trees, a LightGBM file's tree blocks). A chunk stops at its
    /// first failure, and the failure thrown is the lowest index's, the one a loop in order would have thrown.
    public func map<Value, Failure: Error>(count: Int, work: Int,
                                           _ transform: @Sendable (Int) throws(Failure) -> Value) throws(Failure) -> [Value] {
        var values = [Value?](repeating: nil, count: count)
        let firstFailure = Mutex<(index: Int, error: Failure)?>(nil)
        values.withUnsafeMutableBufferPointer { buffer in
            let output = SendableMutablePointer(buffer.baseAddress)
            forEachChunk(count: count, work: work) { range in
                for index in range {
                    do throws(Failure) {
                        output.pointer![index] = try transform(index)
                    } catch {
                        firstFailure.withLock { if $0 == nil || $0!.index > index { $0 = (index, error) } }
                        return
                    }
                }
            }
        }
        if let failure = firstFailure.withLock({ $0 }) { throw failure.error }
        return values.map { $0! }
    }
}
