/// Copying a run of values between tensors: a short run (an embedding's row, a one-column Slice of each row) by a
/// loop, since a call to `memmove` costs more than copying a few values; a long one by `memmove`.
enum ValueRuns {
    @inline(__always)
    static func copy(_ count: Int, from source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>) {
        if count <= 16 {
            for index in 0..<count { target[index] = source[index] }
        } else {
            target.update(from: source, count: count)
        }
    }
}
