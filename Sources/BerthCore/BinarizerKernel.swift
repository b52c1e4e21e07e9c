import BerthText

/// `ai.onnx.ml` Binarizer: 1 where a value is greater than the threshold, else 0 (a BernoulliNB's `binarize`,
/// scikit-learn's Binarizer). onnxruntime fails the request on a missing value, as scikit-learn refuses one, so the
/// rows holding one are refused (`RefusingGraphKernel`) rather than answered as if the value were below the threshold.
struct BinarizerKernel: RefusingGraphKernel {
    let threshold: Float
    /// The node's name, for the refusal.
    let nodeName: String
    var refuses: Bool { true }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] { [inputs[0]] }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let input = inputs[0].buffer, output = outputs[0].buffer
        for index in input.indices { output[index] = input[index] > threshold ? 1 : 0 }
    }

    func refusals(_ inputs: [TensorView], rows: Int) -> [RowRefusal] {
        rowsHolding(inputs[0].buffer, rows: rows, refused: \.isNaN) { [nodeName] _ in
            """
            a missing value reaches the model's Binarizer\(nodeName.isEmpty ? "" : " \(quoted: nodeName)"), which has no answer \
            for one, so onnxruntime refuses it too (as scikit-learn's Binarizer and BernoulliNB do): send a number
            """
        }
    }
}
