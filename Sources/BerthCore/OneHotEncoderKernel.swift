/// `ai.onnx.ml` OneHotEncoder of integer categories (`cats_int64s`): a new last axis of one entry a category, 1 where
/// the value, truncated to an integer as onnxruntime casts it, is that category, else 0. A value that is no category
/// (or not finite) gives a row of zeros — onnxruntime's `zeros=1`; with `zeros=0` onnxruntime fails the request
/// instead, and Berth answers it the same way as with `zeros=1` (docs/model-formats.md §3.3).
struct OneHotEncoderKernel: GraphKernel {
    let categories: [Int]
    /// Each category's position, the last where one repeats (onnxruntime's map keeps the last).
    private let positions: [Int: Int]

    init(categories: [Int]) {
        self.categories = categories
        positions = Dictionary(categories.enumerated().map { ($1, $0) }, uniquingKeysWith: { _, last in last })
    }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        guard !categories.isEmpty else { throw ModelValidationError("OneHotEncoder has no categories") }
        return [inputs[0] + [categories.count]]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let input = inputs[0].buffer, output = outputs[0].buffer
        output.update(repeating: 0)
        for index in input.indices {
            let value = input[index]
            // Outside the int64 range onnxruntime's cast is undefined, and Swift's conversion would trap.
            guard value.isFinite, value >= -0x1p63, value < 0x1p63, let position = positions[Int(value.rounded(.towardZero))] else { continue }
            output[index * categories.count + position] = 1
        }
    }
}
