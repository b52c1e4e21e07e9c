import BerthText

/// `ai.onnx.ml` OneHotEncoder of integer categories (`cats_int64s`): a new last axis of one entry a category, 1 where
/// the value, truncated to an integer as onnxruntime casts it, is that category, else 0. A value that is no category
/// (or not finite) gives a row of zeros with `zeros=1`; with `zeros=0` (what skl2onnx writes for scikit-learn's
/// `handle_unknown='error'`) onnxruntime fails the request, and Berth refuses the rows holding one, naming the value
/// (docs/model-formats.md §3.3).
struct OneHotEncoderKernel: RefusingGraphKernel {
    let categories: [Int]
    /// `zeros=0`: a value that is no category fails the request instead of giving zeros.
    let refusesUnknown: Bool
    /// The node's name, for the refusal.
    let nodeName: String
    /// Each category's position, the last where one repeats (onnxruntime's map keeps the last).
    private let positions: [Int: Int]

    init(categories: [Int], refusesUnknown: Bool = false, nodeName: String = "") {
        self.categories = categories
        self.refusesUnknown = refusesUnknown
        self.nodeName = nodeName
        positions = Dictionary(categories.enumerated().map { ($1, $0) }, uniquingKeysWith: { _, last in last })
    }

    var refuses: Bool { refusesUnknown }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        guard !categories.isEmpty else { throw ModelValidationError("OneHotEncoder has no categories") }
        return [inputs[0] + [categories.count]]
    }

    /// The category's position for `value`, or nil when it is none (or not finite).
    @inline(__always)
    private func position(of value: Float) -> Int? {
        // Outside the int64 range onnxruntime's cast is undefined, and Swift's conversion would trap.
        guard value.isFinite, value >= -0x1p63, value < 0x1p63 else { return nil }
        return positions[Int(value.rounded(.towardZero))]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let input = inputs[0].buffer, output = outputs[0].buffer
        output.update(repeating: 0)
        for index in input.indices {
            guard let position = position(of: input[index]) else { continue }
            output[index * categories.count + position] = 1
        }
    }

    func refusals(_ inputs: [TensorView], rows: Int) -> [RowRefusal] {
        guard refusesUnknown else { return [] }
        return rowsHolding(inputs[0].buffer, rows: rows, refused: { position(of: $0) == nil }) { [categories, nodeName] in
            Self.reason($0, categories: categories, nodeName: nodeName)
        }
    }

    /// Why a row holding `value` is refused, and what would be answered instead.
    private static func reason(_ value: Float, categories: [Int], nodeName: String) -> String {
        let shown = categories.prefix(8).map(String.init).joined(separator: ", ") + (categories.count > 8 ? ", …" : "")
        let held = RowRefusal.naming(value, as: "value")
        return """
            \(held) reaches the model's OneHotEncoder\(nodeName.isEmpty ? "" : " \(quoted: nodeName)"), which has no such category \
            (it has \(categories.count): \(shown)) and was exported with zeros=0 (scikit-learn's handle_unknown='error'), so \
            onnxruntime refuses it too: send one of the categories, or export the encoder with handle_unknown='ignore' to \
            have such a value encoded as zeros
            """
    }
}
