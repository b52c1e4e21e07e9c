import BerthCore
import BerthJSON
import BerthText

/// An Open Inference Protocol infer answer: `{"model_name", "model_version", "id", "outputs": [{"name", "datatype",
/// "shape", "data"}]}` with the model's scores as one FP32 tensor of shape `[rows, outputs]` (FP64 for a model
/// that computes in double, as LightGBM's and CatBoost's `predict` answer float64), or, when the client
/// asked for binary outputs, the JSON header followed by the tensor's little-endian bytes (the binary tensor
/// extension; `headerLength` is then the `Inference-Header-Content-Length` to send).
public struct InferenceResponse: Sendable {
    public let body: [UInt8]
    /// The JSON header's length when the body has a binary section; nil for an all-JSON body.
    public let headerLength: Int?

    /// Answers `request` with `predictions` under the output named `outputName`, of `shape` (by default
    /// `[rows, values a row]`); a request for another output is a 400 naming the one there is.
    public init(_ predictions: Predictions, to request: InferenceRequest, model: ModelIdentity, outputName: String,
                shape: [Int]? = nil) throws(OpenInferenceError) {
        var binary = request.binaryDataOutput
        if !request.requestedOutputs.isEmpty {
            guard request.requestedOutputs.count == 1, request.requestedOutputs[0].name == outputName else {
                let names = request.requestedOutputs.prefix(3).map { "\(quoted: $0.name)" }.joined(separator: ", ")
                    + (request.requestedOutputs.count > 3 ? " and \(request.requestedOutputs.count - 3) more" : "")
                throw .bad("the request asks for outputs \(names); this model has one output, '\(outputName)'")
            }
            binary = request.requestedOutputs[0].binary ?? binary
        }
        var header = [UInt8]()
        header.append(contentsOf: #"{"model_name": "#.utf8)
        JSONText.appendString(model.name, to: &header)
        header.append(contentsOf: #", "model_version": "#.utf8)
        JSONText.appendString(model.version, to: &header)
        if let id = request.id {
            header.append(contentsOf: #", "id": "#.utf8)
            JSONText.appendString(id, to: &header)
        }
        header.append(contentsOf: #", "outputs": [{"name": "#.utf8)
        JSONText.appendString(outputName, to: &header)
        let dimensions = (shape ?? [predictions.rowCount, predictions.columnCount]).map(String.init).joined(separator: ", ")
        let doubles = predictions.doubles
        header.append(contentsOf: #", "datatype": "\#(doubles == nil ? "FP32" : "FP64")", "shape": [\#(dimensions)]"#.utf8)
        if binary {
            let size = predictions.values.count * (doubles == nil ? 4 : 8)
            header.append(contentsOf: #", "parameters": {"binary_data_size": \#(size)}}]}"#.utf8)
            headerLength = header.count
            header.reserveCapacity(header.count + size)
            if let doubles {
                for value in doubles { withUnsafeBytes(of: value.bitPattern.littleEndian) { header.append(contentsOf: $0) } }
            } else {
                for value in predictions.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { header.append(contentsOf: $0) } }
            }
        } else {
            header.append(contentsOf: #", "data": ["#.utf8)
            for index in predictions.values.indices {
                if index > 0 { header.append(contentsOf: ", ".utf8) }
                // The shortest text that reads back as the same float32 (or double) through a double, as Triton's
                // clients read it.
                let value = doubles?[index] ?? Double(predictions.values[index])
                if value.isNaN { header.append(contentsOf: "null".utf8) } else { header.append(contentsOf: value.description.utf8) }
            }
            header.append(contentsOf: "]}]}".utf8)
            headerLength = nil
        }
        body = header
    }
}

/// How the Open Inference Protocol names a served model: its name and its one version.
public struct ModelIdentity: Sendable, Equatable {
    public let name: String
    public let version: String

    public init(name: String, version: String = "1") {
        self.name = name
        self.version = version
    }
}
