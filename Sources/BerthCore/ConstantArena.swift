/// The constants of a planned graph in one allocation that lives as long as the model; kernels only read it.
final class ConstantArena: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Float>
    private let shapes: [[Int]]
    private let offsets: [Int]

    init(_ tensors: [ConstantTensor]) {
        shapes = tensors.map(\.shape)
        offsets = tensors.reduce(into: [0]) { $0.append($0.last! + $1.values.count) }
        storage = .allocate(capacity: max(offsets.last!, 1))
        for (tensor, offset) in zip(tensors, offsets) {
            _ = UnsafeMutableBufferPointer(rebasing: storage[offset..<offset + tensor.values.count]).initialize(from: tensor.values)
        }
    }

    deinit { storage.deallocate() }

    var byteCount: Int { storage.count * MemoryLayout<Float>.stride }

    func view(_ index: Int) -> TensorView {
        TensorView(shape: shapes[index], data: storage.baseAddress! + offsets[index])
    }
}
