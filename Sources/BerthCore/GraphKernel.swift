/// One operation of a planned `OperatorGraph` on the CPU.
///
/// Shapes use `batch` (-1) for the first dimension of tensors computed from the request; kernels check their
/// inputs and give their outputs' shapes once at load, then run on concrete shapes per batch without allocating.
protocol GraphKernel: Sendable {
    /// The output shapes for these input shapes, or why the node cannot run on them.
    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]]
    /// Computes the outputs (already allocated with the shapes above) from the inputs.
    func run(_ inputs: [TensorView], _ outputs: [TensorView])
    /// Whether output 0 is input 0's values under another shape (Identity, Reshape, …), so no copy is made.
    var isView: Bool { get }
    /// Inputs that must be constants (weights, shapes, axes).
    var constantInputs: Set<Int> { get }
    /// Bytes the kernel keeps (packed weights, a tree forest), beyond the graph's constants.
    var residentBytes: Int { get }
    /// The work a row gives the kernel, in `RowParallelism.minimumParallelWork`'s units, when the graph may run
    /// it on a block of rows on one thread among others (`CPUGraphModel`); nil when it splits its rows its own way
    /// (a forest, a layer on another device), and the graph is then left to its kernels' splits.
    var parallelWorkPerRow: Int? { get }
    /// The work each value of its outputs gives the kernel, in the same units, where that cost grows with the values
    /// rather than with constant weights (an activation worked out in double precision, an exponential):
    /// `CPUGraphModel` adds it, times the values a row's outputs hold, to `parallelWorkPerRow` when it weighs splitting
    /// a batch across cores. 0 for a kernel that costs a value next to nothing (an addition, a Relu, a copy).
    var workPerOutputValue: Int { get }
}

extension GraphKernel {
    var isView: Bool { false }
    var constantInputs: Set<Int> { [] }
    var residentBytes: Int { 0 }
    var parallelWorkPerRow: Int? { 0 }
    var workPerOutputValue: Int { 0 }
}

/// What a value of a transcendental function costs (Sigmoid, Tanh, Erf, the GELUs, Softplus, ELU, Mish, an exponential
/// or a logarithm: 3–5 ns, worked out in double precision or by the C library), in `RowParallelism.minimumParallelWork`'s
/// units of 64 of the dense kernel's multiply-adds (about 2 ns on the machines measured): two.
let transcendentalValueWork = 2

/// The first dimension of every tensor computed from the request, unknown until a batch arrives.
let batch = -1

/// A tensor during one run: its concrete shape and its float32 values, row-major.
struct TensorView {
    let shape: [Int]
    let data: UnsafeMutablePointer<Float>

    var count: Int { shape.reduce(1, *) }
    var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }
}

/// Shape arithmetic shared by the kernels.
enum Shapes {
    /// The place along an axis of `length` that an index held as a float names, counting from the axis's end when it
    /// is negative, as ONNX says; nil when it is not a whole number within the axis (NaN, an infinity, a fraction, or
    /// beyond either end). An embedding's Gather and a GatherElements look their rows and places up so.
    @inline(__always)
    static func place(_ index: Float, along length: Int) -> Int? {
        let place = index < 0 ? index + Float(length) : index
        guard place >= 0, place < Float(length), Float(Int(place)) == place else { return nil }
        return Int(place)
    }

    /// numpy's multidirectional broadcasting; the batch dimension only broadcasts with itself or 1.
    static func broadcast(_ first: [Int], _ second: [Int]) throws(ModelValidationError) -> [Int] {
        let rank = max(first.count, second.count)
        var result = [Int](repeating: 1, count: rank)
        for index in 0..<rank {
            let a = index < rank - first.count ? 1 : first[index - (rank - first.count)]
            let b = index < rank - second.count ? 1 : second[index - (rank - second.count)]
            if a == b || b == 1 { result[index] = a } else if a == 1 { result[index] = b } else {
                throw ModelValidationError("shapes \(describe(first)) and \(describe(second)) do not broadcast")
            }
        }
        return result
    }

    /// The values a tensor of `shape` holds, the batch counted as one row; nil when that passes `limit` (the
    /// product is checked, so hostile dimensions never overflow) or a dimension is negative.
    static func elementCount(_ shape: [Int], limit: Int) -> Int? {
        var count = 1
        for dimension in shape where dimension != batch {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard dimension >= 0, !overflow, product <= limit else { return nil }
            count = product
        }
        return count
    }

    /// Strides of `shape` right-aligned to `rank`, 0 where a dimension is broadcast: where a broadcast operand's value
    /// for an output coordinate lies.
    static func broadcastStrides(_ shape: [Int], rank: Int) -> [Int] {
        let own = strides(shape)
        var result = [Int](repeating: 0, count: rank)
        for index in shape.indices where shape[index] != 1 { result[rank - shape.count + index] = own[index] }
        return result
    }

    /// A shape as the error messages print it, with `N` for the batch.
    static func describe(_ shape: [Int]) -> String {
        "[" + shape.map { $0 == batch ? "N" : String($0) }.joined(separator: ", ") + "]"
    }

    /// A negative axis counted from the end, checked against `rank`.
    static func axis(_ axis: Int, rank: Int) throws(ModelValidationError) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0, resolved < rank else { throw ModelValidationError("axis \(axis) is outside a tensor of rank \(rank)") }
        return resolved
    }

    /// A shape seen from one axis: the product of the dimensions before it, the axis's length (or, when
    /// `flattenFromAxis`, the product of it and every later dimension), and the product of those after it.
    static func aroundAxis(_ shape: [Int], axis: Int, flattenFromAxis: Bool) -> (outer: Int, length: Int, inner: Int) {
        let resolved = axis < 0 ? axis + shape.count : axis
        let outer = shape[..<resolved].reduce(1, *)
        if flattenFromAxis { return (outer, shape[resolved...].reduce(1, *), 1) }
        return (outer, shape[resolved], shape[(resolved + 1)...].reduce(1, *))
    }

    /// Where the value at `index` of a tensor with row-major `strides` lies in a layout whose axes step by `mapped`
    /// instead (a transpose's source, a reduction's output): each of its coordinates times that axis's step there.
    @inline(__always)
    static func index(_ index: Int, strides: [Int], mappedTo mapped: [Int]) -> Int {
        var remaining = index, result = 0
        for axis in strides.indices {
            let coordinate = remaining / strides[axis]
            remaining -= coordinate * strides[axis]
            result += coordinate * mapped[axis]
        }
        return result
    }

    /// Row-major strides.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for index in shape.indices.reversed() {
            strides[index] = step
            step *= shape[index]
        }
        return strides
    }
}
