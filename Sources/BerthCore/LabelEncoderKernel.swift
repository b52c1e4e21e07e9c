/// `ai.onnx.ml` LabelEncoder of numeric keys (`GraphOperation.labelEncoder`): each value's key's value, the fallback
/// for a value that is no key (NaN is none). skl2onnx's IsolationForest maps each tree's leaf to its training sample
/// count and depth so.
struct LabelEncoderKernel: GraphKernel {
    let mapping: [Float: Float]
    let fallback: Float
    var residentBytes: Int { mapping.count * 2 * MemoryLayout<Float>.stride }

    init(keys: [Float], values: [Float], fallback: Float) throws(ModelValidationError) {
        guard keys.count == values.count, !keys.isEmpty else {
            throw ModelValidationError("LabelEncoder has \(keys.count) keys and \(values.count) values")
        }
        var mapping = [Float: Float](minimumCapacity: keys.count)
        // A key listed twice keeps its last value, as onnxruntime's map does.
        for (key, value) in zip(keys, values) where !key.isNaN { mapping[key] = value }
        self.mapping = mapping
        self.fallback = fallback
    }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] { [inputs[0]] }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let input = inputs[0].buffer, output = outputs[0].buffer
        for index in input.indices { output[index] = mapping[input[index]] ?? fallback }
    }
}
