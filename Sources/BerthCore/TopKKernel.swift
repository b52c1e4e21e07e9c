/// ONNX TopK (`GraphOperation.topK`): the `count` largest or smallest entries along `axis`, best first, then their
/// indices (held as floats, exact below 2²⁴, so a longer axis is refused). The order is onnxruntime's: equal values by
/// their index, the lower first, and NaN above every number — first among the largest, last among the smallest. An
/// unsorted TopK answers in this order too, which is one of the orders it allows.
struct TopKKernel: GraphKernel {
    let axis: Int
    let largest: Bool
    let count: Int
    var constantInputs: Set<Int> { [1] }
    /// The longest axis whose indices floats hold exactly.
    static let longestAxis = 1 << 24
    /// Up to this many, each candidate is placed by insertion into the best found so far; past it the best are kept
    /// in a heap (the worst of them on top, `log count` steps a candidate that beats it), or the whole axis sorted
    /// when all of it is asked for, so a large `count` never costs `count` moves a value.
    static let insertedCount = 32

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        var shape = inputs[0]
        let resolved = try Shapes.axis(axis, rank: shape.count)
        guard shape[resolved] != batch else { throw ModelValidationError("a TopK along the batch axis mixes the rows of a request") }
        guard shape[resolved] <= Self.longestAxis else {
            throw ModelValidationError("TopK along an axis of \(shape[resolved]) entries: Berth's indices are exact up to \(Self.longestAxis)")
        }
        guard count >= 0, count <= shape[resolved] else {
            throw ModelValidationError("TopK of \(count) entries along an axis of \(shape[resolved])")
        }
        shape[resolved] = count
        return [shape, shape]
    }

    /// Whether `a` (at `indexA`) comes before `b` (at `indexB`) in the answer.
    @inline(__always)
    private func precedes(_ a: Float, _ indexA: Int, _ b: Float, _ indexB: Int) -> Bool {
        if a.isNaN || b.isNaN {
            guard a.isNaN != b.isNaN else { return indexA < indexB }
            return largest == a.isNaN
        }
        if a != b { return largest ? a > b : a < b }
        return indexA < indexB
    }

    /// The `count` indices of `0..<length` that come first by `before`, in order, into `best`'s first `count` places:
    /// a heap whose top is the last of those kept so far, replaced by each candidate that comes before it, then sorted.
    /// `before` is a strict total order (ties go by index), so this is the full sort's first `count`.
    @inline(__always)
    private func keepInHeap(_ count: Int, of length: Int, in best: UnsafeMutableBufferPointer<Int>, before: (Int, Int) -> Bool) {
        func siftDown(_ start: Int) {
            var node = start
            while true {
                let left = 2 * node + 1
                guard left < count else { return }
                let right = left + 1
                let later = right < count && before(best[left], best[right]) ? right : left
                guard before(best[node], best[later]) else { return }
                best.swapAt(node, later)
                node = later
            }
        }
        for index in 0..<count { best[index] = index }
        for node in stride(from: count / 2 - 1, through: 0, by: -1) { siftDown(node) }
        for index in count..<length where before(index, best[0]) {
            best[0] = index
            siftDown(0)
        }
        var kept = UnsafeMutableBufferPointer(rebasing: best[0..<count])
        kept.sort(by: before)
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        guard count > 0 else { return }
        let (outer, length, inner) = Shapes.aroundAxis(inputs[0].shape, axis: axis, flattenFromAxis: false)
        let input = inputs[0].buffer, values = outputs[0].buffer, indices = outputs[1].buffer
        let kept = count <= Self.insertedCount ? count : length
        withUnsafeTemporaryAllocation(of: Int.self, capacity: kept) { scratch in
            var best = scratch
            for block in 0..<outer {
                for offset in 0..<inner {
                    let base = block * length * inner + offset
                    @inline(__always) func value(_ index: Int) -> Float { input[base + index * inner] }
                    if count <= Self.insertedCount {
                        var found = 0
                        for index in 0..<length {
                            let candidate = value(index)
                            if found == count {
                                // Most values lose to the last one kept: with a number there, one comparison tells
                                // (a later index loses a tie; NaN loses among the smallest, wins among the largest).
                                let last = value(best[count - 1])
                                if !last.isNaN && (largest ? !(candidate > last) && !candidate.isNaN : !(candidate < last)) { continue }
                                if !precedes(candidate, index, last, best[count - 1]) { continue }
                            }
                            var position = min(found, count - 1)
                            while position > 0 && precedes(candidate, index, value(best[position - 1]), best[position - 1]) {
                                best[position] = best[position - 1]
                                position -= 1
                            }
                            best[position] = index
                            found = min(found + 1, count)
                        }
                    } else if count < length {
                        keepInHeap(count, of: length, in: best) { precedes(value($0), $0, value($1), $1) }
                    } else {
                        for index in 0..<length { best[index] = index }
                        best.sort { precedes(value($0), $0, value($1), $1) }
                    }
                    let target = block * count * inner + offset
                    for rank in 0..<count {
                        values[target + rank * inner] = value(best[rank])
                        indices[target + rank * inner] = Float(best[rank])
                    }
                }
            }
        }
    }
}
