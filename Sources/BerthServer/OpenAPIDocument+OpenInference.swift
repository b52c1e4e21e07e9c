import BerthJSON
import BerthOpenInference
import BerthRuntime

/// The Open Inference Protocol's routes in `GET /openapi.json` (docs/open-inference.md): health, metadata, readiness
/// and infer, with the request and answer tensors as JSON schemas.
extension OpenAPIDocument {
    static let openInferenceTag = "open inference"

    /// The `/v2` paths, the model and version as path parameters.
    var openInferencePaths: [String: JSONValue] {
        let name: JSONValue = .object([
            "name": "name", "in": "path", "required": true, "schema": .object(["type": "string"]),
            "description": .string(configuration.multiModel.enabled ? "a loaded model's name"
                                   : "the model's name: its Triton repository folder's, else BERTH_MODEL_NAME (`\(model?.triton?.name ?? configuration.model.name ?? "model")`)"),
        ])
        let version: JSONValue = .object([
            "name": "version", "in": "path", "required": true, "schema": .object(["type": "string", "enum": .array(["1"])]),
            "description": "the model's one version",
        ])
        var paths: [String: JSONValue] = [
            "/v2/health/live": .object(["get": v2Operation("whether the server runs", ["200": jsonAnswer("live", Self.flag("live"))])]),
            "/v2/health/ready": .object(["get": v2Operation("whether the server can answer infer requests", [
                "200": jsonAnswer("ready", Self.flag("ready")), "503": jsonAnswer("not ready yet, or the model failed to load", Self.flag("ready")),
            ])]),
            "/v2": .object(["get": v2Operation("server metadata", ["200": jsonAnswer("name, version and extensions", .object(["type": "object"]))])]),
        ]
        for (prefix, parameters) in [("/v2/models/{name}", [name]), ("/v2/models/{name}/versions/{version}", [name, version])] {
            paths[prefix] = .object(["get": v2Operation("model metadata: the input and output tensors", [
                "200": jsonAnswer("the model's metadata", .object(["type": "object"])), "404": Self.v2Error("no such model or version"),
            ].merging(v2Unavailable) { current, _ in current }, parameters: parameters)])
            paths[prefix + "/ready"] = .object(["get": v2Operation("whether the model can answer", [
                "200": jsonAnswer("ready", Self.flag("ready")), "404": Self.v2Error("no such model or version"),
            ].merging(v2Unavailable) { current, _ in current }, parameters: parameters)])
            paths[prefix + "/infer"] = .object(["post": infer(parameters)])
        }
        return paths
    }

    private func infer(_ parameters: [JSONValue]) -> JSONValue {
        let features = model.map { JSONValue.number(Double($0.featureCount)) }
        let tensor: JSONValue = .object([
            "type": "object", "required": .array(["name", "shape", "datatype"]),
            "properties": .object([
                "name": .object(["type": "string", "example": "input__0"]),
                "shape": .object(["type": "array", "items": .object(["type": "integer"]), "minItems": 1, "maxItems": 2,
                                  "description": "[rows, features] or [features]", "example": .array([.number(1), features ?? .number(12)])]),
                "datatype": .object(["type": "string", "enum": .array(["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32",
                                                                       "INT64", "FP16", "BF16", "FP32", "FP64"])]),
                "data": .object(["type": "array", "description": "the elements, flat or nested, row-major; null (or NaN) for a missing value"]),
                "parameters": .object(["type": "object", "properties": .object(["binary_data_size": .object(["type": "integer"])])]),
            ]),
        ])
        let request: JSONValue = .object([
            "type": "object", "required": .array(["inputs"]),
            "properties": .object([
                "id": .object(["type": "string"]),
                "inputs": .object(["type": "array", "items": tensor, "minItems": 1, "maxItems": 1]),
                "outputs": .object(["type": "array", "items": .object(["type": "object", "properties": .object([
                    "name": .object(["type": "string", "enum": .array(["output__0"])]),
                    "parameters": .object(["type": "object", "properties": .object(["binary_data": .object(["type": "boolean"])])]),
                ])])]),
                "parameters": .object(["type": "object", "properties": .object(["binary_data_output": .object(["type": "boolean"])])]),
            ]),
        ])
        let answer: JSONValue = .object([
            "type": "object",
            "properties": .object([
                "model_name": .object(["type": "string"]), "model_version": .object(["type": "string"]), "id": .object(["type": "string"]),
                "outputs": .object(["type": "array", "items": .object(["type": "object", "properties": .object([
                    "name": .object(["type": "string"]), "datatype": .object(["type": "string", "enum": .array(["FP32", "FP64"])]),
                    "shape": .object(["type": "array", "items": .object(["type": "integer"])]),
                    "data": .object(["type": "array", "items": .object(["type": .array(["number", "null"])])]),
                ])])]),
            ]),
        ])
        var operation: [String: JSONValue] = [
            "summary": "predict: one tensor of rows in, the model's scores out (output__0, FP32; FP64 for LightGBM and CatBoost models)",
            "tags": .array([.string(Self.openInferenceTag)]),
            "parameters": .array(parameters + [.object([
                "name": "Inference-Header-Content-Length", "in": "header", "required": false, "schema": .object(["type": "integer"]),
                "description": "with binary tensor data: the length of the JSON header that starts the body",
            ])]),
            "requestBody": .object(["required": true, "content": .object([
                "application/json": .object(["schema": request]),
                "application/octet-stream": .object(["schema": .object(["type": "string", "format": "binary",
                                                                        "description": "a JSON header, then the binary tensor data"])]),
            ])]),
            "responses": .object([
                "200": .object(["description": "the model's scores", "content": .object([
                    "application/json": .object(["schema": answer]),
                    "application/octet-stream": .object(["schema": .object(["type": "string", "format": "binary"])]),
                ])]),
                "400": Self.v2Error("a request that cannot be read: the message says what to fix"),
                "404": Self.v2Error("no such model or version"),
                "413": Self.v2Error("the body is larger than SAGEMAKER_MAX_PAYLOAD_IN_MB"),
            ].merging(v2Unavailable) { current, _ in current }),
        ]
        operation["description"] = "The Open Inference Protocol (KServe V2): docs/open-inference.md."
        return .object(operation)
    }

    private func v2Operation(_ summary: String, _ responses: [String: JSONValue], parameters: [JSONValue] = []) -> JSONValue {
        var fields: [String: JSONValue] = ["summary": .string(summary), "tags": .array([.string(Self.openInferenceTag)]),
                                           "responses": .object(responses)]
        if !parameters.isEmpty { fields["parameters"] = .array(parameters) }
        return .object(fields)
    }

    private func jsonAnswer(_ description: String, _ schema: JSONValue) -> JSONValue {
        .object(["description": .string(description), "content": .object(["application/json": .object(["schema": schema])])])
    }

    private static func flag(_ key: String) -> JSONValue {
        .object(["type": "object", "properties": .object([key: .object(["type": "boolean"])])])
    }

    /// What every model route answers before the model can: 503 while it loads, and for the one model of `serve`,
    /// 500 when its load failed (a multi-model endpoint answers a failed load to the `POST /models` that asked).
    private var v2Unavailable: [String: JSONValue] {
        let loading = ["503": Self.v2Error("the model loads: ask again once it is ready")]
        if configuration.multiModel.enabled { return loading }
        return loading.merging(["500": Self.v2Error("the model failed to load: the message says why, as the container log does")]) { current, _ in current }
    }

    private static func v2Error(_ description: String) -> JSONValue {
        .object(["description": .string(description), "content": .object(["application/json": .object(["schema": .object([
            "type": "object", "properties": .object(["error": .object(["type": "string"])]),
        ])])])])
    }
}
