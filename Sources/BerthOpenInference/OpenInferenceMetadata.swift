import BerthJSON

/// The metadata documents of the Open Inference Protocol: the server's (`GET /v2`), a model's
/// (`GET /v2/models/{name}`), and the protocol's error body.
public enum OpenInferenceMetadata {
    /// The input and output names of a model without a Triton configuration: those Triton's FIL backend uses.
    public static let defaultInputName = "input__0"
    public static let defaultOutputName = "output__0"

    /// `{"name": "berth", "version": …, "extensions": ["binary_tensor_data"]}`.
    public static func server(version: String) -> [UInt8] {
        var body = Array(#"{"name": "berth", "version": "#.utf8)
        JSONText.appendString(version, to: &body)
        body.append(contentsOf: #", "extensions": ["binary_tensor_data"]}"#.utf8)
        return body
    }

    /// A model's name, versions, platform, and its one input and one output with datatypes (`FP32`, or `FP64` for a
    /// model that compares or answers in double) and shapes (`outputShape` replaces the default `[-1, outputCount]`).
    public static func model(_ identity: ModelIdentity, featureCount: Int, outputCount: Int, platform: String,
                             inputName: String = defaultInputName, outputName: String = defaultOutputName,
                             outputShape: [Int]? = nil, inputDatatype: String = "FP32", outputDatatype: String = "FP32") -> [UInt8] {
        var body = Array(#"{"name": "#.utf8)
        JSONText.appendString(identity.name, to: &body)
        body.append(contentsOf: #", "versions": ["#.utf8)
        JSONText.appendString(identity.version, to: &body)
        body.append(contentsOf: #"], "platform": "#.utf8)
        JSONText.appendString(platform, to: &body)
        body.append(contentsOf: #", "inputs": [{"name": "#.utf8)
        JSONText.appendString(inputName, to: &body)
        body.append(contentsOf: #", "datatype": "\#(inputDatatype)", "shape": [-1, \#(featureCount)]}], "outputs": [{"name": "#.utf8)
        JSONText.appendString(outputName, to: &body)
        let shape = (outputShape ?? [-1, outputCount]).map(String.init).joined(separator: ", ")
        body.append(contentsOf: #", "datatype": "\#(outputDatatype)", "shape": [\#(shape)]}]}"#.utf8)
        return body
    }

    /// `{"error": "…"}`.
    public static func error(_ message: String) -> [UInt8] {
        var body = Array(#"{"error": "#.utf8)
        JSONText.appendString(message, to: &body)
        body.append(UInt8(ascii: "}"))
        return body
    }
}
