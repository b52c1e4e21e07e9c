import BerthCodecs
import BerthCore
import BerthFormats
import BerthJSON
import BerthOpenInference
import BerthRuntime
import Hummingbird

/// `GET /openapi.json`: an OpenAPI 3.1 description of the API as this server is configured — the routes of its
/// mode, every request content type it reads, every `Accept` it answers, the outputs `SAGEMAKER_INFERENCE_OUTPUT`
/// selects, the error statuses — and, once the model is ready, the model's facts (features, outputs, classes,
/// digest and writer) in `info` and in the example rows.
///
/// Built per request from the model state, so it is right while the model loads, after it failed, and once ready.
struct OpenAPIDocument {
    let configuration: BerthConfiguration
    /// The served model, when there is one and it is ready.
    let model: ServedModel?
    /// Berth's version, for `info.version`.
    let version: String

    static let pathParameterName: JSONValue = .object([
        "name": "name", "in": "path", "required": true, "description": "the name the model was loaded under",
        "schema": .object(["type": "string"]),
    ])

    /// The document as the route answers it.
    var response: Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json.jsonText)))
    }

    var json: JSONValue {
        var paths: [String: JSONValue] = [
            "/ping": .object(["get": ping, "post": ping, "head": ping]),
            "/execution-parameters": .object(["get": executionParameters]),
            "/metrics": .object(["get": operation("Prometheus metrics (OpenMetrics when Accept asks for it)", tag: "operations",
                                                  responses: ["200": response("the metrics", [
                                                      "text/plain": .object(["type": "string"]),
                                                      "application/openmetrics-text": .object(["type": "string"]),
                                                  ])])]),
            "/openapi.json": .object(["get": operation("this document", tag: "operations",
                                                       responses: ["200": response("OpenAPI 3.1", ["application/json": .object(["type": "object"])])])]),
            "/docs": .object(["get": operation("Swagger UI for this document", tag: "operations",
                                               responses: ["200": response("an HTML page", ["text/html": .object(["type": "string"])])])]),
        ]
        if configuration.multiModel.enabled {
            paths["/models"] = .object(["get": listModels, "post": loadModel])
            paths["/models/{name}"] = .object(["get": describeModel, "delete": unloadModel])
            paths["/models/{name}/invoke"] = .object(["post": invocation(summary: "predict with a loaded model",
                                                                       parameters: [Self.pathParameterName, targetModelHeader, customAttributesHeader])])
        } else {
            paths["/invocations"] = .object(["post": invocation(summary: "predict", parameters: [customAttributesHeader])])
        }
        paths.merge(openInferencePaths) { current, _ in current }
        return .object([
            "openapi": "3.1.0",
            "info": info,
            "paths": .object(paths),
            "tags": .array([
                .object(["name": "inference", "description": "predictions, as SageMaker sends them"]),
                .object(["name": "operations", "description": "health, batch transform, metrics and this description"]),
                .object(["name": .string(Self.openInferenceTag), "description": "the Open Inference Protocol (KServe V2, Triton's HTTP API)"]),
            ] + (configuration.multiModel.enabled ? [.object(["name": "models", "description": "the multi-model management API"])] : [])),
        ])
    }

    // MARK: The model

    private var info: JSONValue {
        var info: [String: JSONValue] = ["title": "Berth", "version": .string(version)]
        var description = "A SageMaker-compatible model server."
        if configuration.multiModel.enabled {
            description += " Multi-model endpoint: models are loaded by name with POST /models and invoked at /models/{name}/invoke."
        } else if let model {
            let summary = model.summary
            description += " Serving \(summary.format) (\(summary.writer ?? "writer unknown")), objective \(summary.objective): "
                + "\(model.featureCount) features a row, \(model.outputCount) output\(model.outputCount == 1 ? "" : "s") a row. "
                + "Artifact SHA-256 \(summary.sha256)."
            var facts: [String: JSONValue] = [
                "format": .string(summary.format.description), "writer": .string(summary.writer ?? "unknown"), "sha256": .string(summary.sha256),
                "objective": .string(summary.objective), "kind": .string(summary.kind), "features": .number(Double(model.featureCount)),
                "outputs": .number(Double(model.outputCount)), "placement": .string(model.placement.description),
                "selectableOutputs": .array(SelectableOutput.valid(for: summary.meaning).map { .string($0.rawValue) }),
            ]
            if let classes = Self.classes(summary.meaning, named: summary.classLabels) { facts["classes"] = .array(classes) }
            if let names = summary.featureNames { facts["featureNames"] = .array(names.map { .string($0) }) }
            if let schema = summary.schema, schema.isDescribedFeatureByFeature {
                facts["schema"] = schema.jsonDescription
            }
            if let selection = model.outputSelection { facts["selectedOutputs"] = .array(selection.keys.map { .string($0.rawValue) }) }
            info["x-berth-model"] = .object(facts)
        } else {
            description += " The model is not ready: this description gains its features and outputs once GET /ping answers 200."
        }
        info["description"] = .string(description)
        return .object(info)
    }

    /// A classifier's class labels, in class order: `named` when the classes are named apart from the meaning.
    static func classes(_ meaning: PredictionMeaning, named: ClassLabels? = nil) -> [JSONValue]? {
        switch named {
        case .integers(let labels)?: return labels.map { .number(Double($0)) }
        case .strings(let labels)?: return labels.map { .string($0) }
        case nil: break
        }
        return switch meaning {
        case .classProbabilities(.integers(let labels)): labels.map { .number(Double($0)) }
        case .classProbabilities(.strings(let labels)): labels.map { .string($0) }
        case .classIndex(let count): (0..<count).map { .number(Double($0)) }
        case .binaryProbability, .binaryMargin, .binaryLabel: [.number(0), .number(1)]
        case .regression: nil
        }
    }

    /// ", in the order a, b, c" when the model names its features.
    private var featureOrder: String {
        guard let names = model?.summary.featureNames else { return "" }
        return ", in the order " + names.joined(separator: ", ") + ","
    }

    /// The most features a row may have for the document to spell one out value by value — in the example rows, and
    /// in `x-berth-model.schema` when the file names no features (`FeatureSchema.isDescribedFeatureByFeature`). A
    /// model of a million features (a libsvm model of hashed tokens, say) would otherwise make this document tens of
    /// megabytes, every time it is asked for.
    static let widestDescribedRow = FeatureSchema.widestDescribedRow

    /// Values a row has: the model's features (three while no model is ready).
    private var rowWidth: Int { model?.featureCount ?? 3 }

    /// One example row of `rowWidth` values; nil when a row is wider than `widestDescribedRow`.
    private var exampleRow: [Double]? {
        rowWidth <= Self.widestDescribedRow ? Self.exampleValues(rowWidth) : nil
    }

    /// A libsvm example: the example row, or for a wider model its first few features (the rest missing).
    private var libsvmExample: String {
        let row = exampleRow ?? Self.exampleValues(8)
        return row.indices.map { "\($0):\(JSONText.numberText(row[$0]))" }.joined(separator: " ")
    }

    private static func exampleValues(_ count: Int) -> [Double] {
        (0..<count).map { Double($0 % 10) / 10 }
    }

    // MARK: Operations

    private var ping: JSONValue {
        operation("health: 200 once the model is ready", tag: "operations", responses: [
            "200": .object(["description": "ready"]),
            "503": plainTextResponse("loading, or the load failed (the body says why)"),
        ])
    }

    private var executionParameters: JSONValue {
        operation("what batch transform should send", tag: "operations", responses: [
            "200": response("the parameters", ["application/json": .object([
                "type": "object", "required": .array(["MaxConcurrentTransforms", "BatchStrategy", "MaxPayloadInMB"]),
                "properties": .object([
                    "MaxConcurrentTransforms": .object(["type": "integer", "minimum": 1]),
                    "BatchStrategy": .object(["type": "string", "enum": .array(BatchStrategy.allCases.map { .string($0.rawValue) })]),
                    "MaxPayloadInMB": .object(["type": "integer", "minimum": 0]),
                ]),
            ])]),
        ])
    }

    private func invocation(summary: String, parameters: [JSONValue]) -> JSONValue {
        let row = exampleRow
        let schema = model?.summary.schema
        // Category text is read in positional rows too, where the model records its categories.
        let takesText = schema?.nonNumericalKinds.values.contains {
            switch $0 {
            case .categorical(_?), .hashedCategorical: true
            case .categorical(nil), .numerical: false
            }
        } ?? false
        let rowSchema: JSONValue = .object(["type": "array", "items": .object(["type": takesText ? ["number", "string", "null"] : ["number", "null"]]),
                                            "minItems": .number(Double(rowWidth)), "maxItems": .number(Double(rowWidth))])
        let binary: JSONValue = .object(["type": "string", "contentMediaType": "application/octet-stream"])
        let featuresObject: JSONValue = .object(["type": "object", "required": .array(["features"]), "properties": .object(["features": rowSchema])])
        let limit = configuration.serving.payloadLimit
        var operation: [String: JSONValue] = [
            "summary": .string(summary), "tags": .array(["inference"]),
            "description": .string("""
                Rows of \(model.map { "\($0.featureCount)" } ?? "the model's") features\(featureOrder) in any content type below, up to \(limit) a body; \
                the answer in the type Accept asks for (\(configuration.serving.defaultAccept.rawValue) when it asks for none). \
                Missing values: empty CSV fields, null in JSON, absent libsvm indices.
                """),
            "requestBody": .object(["required": true, "content": .object([
                RequestFormat.csv.rawValue: .object(["schema": .object([
                    "type": "string",
                    "description": schema?.namesEveryFeature == true
                        ? "header-less rows; or, with Content-Type text/csv; header=present, a first line naming the columns in any order"
                        : "header-less rows, one a line",
                ])].withExample(row.map { .string($0.map { JSONText.numberText($0) }.joined(separator: ",")) })),
                RequestFormat.json.rawValue: .object([
                    "schema": .object(["oneOf": .array([
                        .object(["type": "object", "required": .array(["instances"]),
                                 "properties": .object(["instances": .object(["type": "array", "items": .object(["oneOf": .array([
                                     rowSchema, featuresObject,
                                     // SageMaker's record form: {"data": {"features": {"values": […]}}}.
                                     .object(["type": "object", "required": .array(["data"]), "properties": .object(["data": .object([
                                         "type": "object", "properties": .object(["features": .object([
                                             "type": "object", "properties": .object(["values": rowSchema])])])])])]),
                                 ])])])])]),
                        featuresObject,
                        .object(["type": "array", "items": rowSchema]),
                        rowSchema,
                        .object(["type": "object", "required": .array(["inputs"]),
                                 "description": "an Open Inference Protocol (KServe V2) infer request, answered as POST /v2/models/{name}/infer answers it"]),
                    ] + (schema.flatMap(namedRequestSchemas) ?? []))]),
                ].withExample(row.map { .object(["instances": .array([.array($0.map { .number($0) })])]) })),
                RequestFormat.jsonLines.rawValue: .object(["schema": .object(["type": "string"])]
                    .withExample(row.map { .string("[" + $0.map { JSONText.numberText($0) }.joined(separator: ", ") + "]") })),
                RequestFormat.libsvm.rawValue: .object(["schema": .object(["type": "string"]), "example": .string(libsvmExample)]),
                RequestFormat.recordIO.rawValue: .object(["schema": binary]),
                RequestFormat.npy.rawValue: .object(["schema": binary]),
                InferenceRequest.sageMakerTritonBinary: .object(["schema": .object(["type": "string", "contentMediaType": "application/octet-stream", "description": .string("""
                    Triton's SageMaker binary form: an Open Inference request's JSON header (its length in the content type's \
                    json-header-size parameter), then its binary tensors
                    """)])]),
            ])]),
            "responses": .object([
                "200": response("the predictions", Dictionary(uniqueKeysWithValues: ResponseFormat.allCases.map { ($0.rawValue, responseSchema($0)) })),
                "400": plainTextResponse("the body cannot be read: the message names the line and column"),
                "404": plainTextResponse("no such model (multi-model endpoints)"),
                "406": plainTextResponse("Accept names no type Berth writes"),
                "408": plainTextResponse("the body did not arrive in time (BERTH_BODY_TIMEOUT_SECONDS)"),
                "413": plainTextResponse("the body is larger than \(limit) (SAGEMAKER_MAX_PAYLOAD_IN_MB)"),
                "415": plainTextResponse("Content-Type names no type Berth reads"),
                "500": plainTextResponse("the model failed to load"),
                "503": plainTextResponse("the model is still loading: retry once GET /ping answers 200"),
            ]),
        ]
        if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
        return .object(operation)
    }

    /// The JSON request shapes that name features (docs/feature-schema.md), for a model whose file names every
    /// feature: named records (alone, as `instances`, as `dataframe_records`) and `dataframe_split`.
    private func namedRequestSchemas(_ schema: FeatureSchema) -> [JSONValue]? {
        guard schema.namesEveryFeature else { return nil }
        var properties = [String: JSONValue]()
        for feature in schema.features { properties[feature.name!] = Self.featureSchema(feature) }
        let record: JSONValue = .object([
            "type": "object", "properties": .object(properties),
            "additionalProperties": .bool(configuration.serving.unknownFeatures == .ignore),
            "description": "a row by feature name, in any order; a feature left out or null is missing",
        ])
        let names: JSONValue = .object(["type": "string", "enum": .array(schema.features.map { .string($0.name!) })])
        return [
            record,
            .object(["type": "object", "required": .array(["instances"]), "properties": .object(["instances": .object(["type": "array", "items": record])])]),
            .object(["type": "object", "required": .array(["dataframe_records"]),
                     "properties": .object(["dataframe_records": .object(["type": "array", "items": record])])]),
            .object(["type": "object", "required": .array(["dataframe_split"]), "properties": .object(["dataframe_split": .object([
                "type": "object", "required": .array(["columns", "data"]),
                "properties": .object(["columns": .object(["type": "array", "items": names]),
                                       "data": .object(["type": "array", "items": .object(["type": "array"])])]),
            ])])]),
        ]
    }

    /// One feature's values in a named record: a number (or null); for a categorical feature with known categories, one
    /// of them (text categories also by their code).
    private static func featureSchema(_ feature: FeatureSchema.Feature) -> JSONValue {
        if feature.kind == .hashedCategorical {
            return .object(["type": ["string", "integer", "null"], "description": "a category: text or a whole number"])
        }
        guard case .categorical(let categories) = feature.kind else { return .object(["type": ["number", "null"]]) }
        guard let categories, categories.count > 0 else {
            return .object(["type": ["number", "null"], "description": "a categorical feature: its code"])
        }
        switch categories {
        case .strings:
            return .object(["anyOf": .array([
                .object(["type": "string", "enum": categories.jsonValues]),
                .object(["type": "integer", "minimum": 0, "maximum": .number(Double(categories.count - 1)), "description": "the category's code"]),
                .object(["type": "null"]),
            ])])
        case .numbers(let values):
            return .object(["enum": .array(values.map { .number($0) } + [.null])])
        }
    }

    /// The schema of an answer in `format`; JSON names the keys the selection in force gives.
    private func responseSchema(_ format: ResponseFormat) -> JSONValue {
        switch format {
        case .json:
            var keys = ["score"]
            if let selection = model?.outputSelection {
                keys = selection.jsonKeys.map(\.rawValue)
            } else if let selection = model?.defaultJSONSelection {
                keys = selection.jsonKeys.map(\.rawValue)
            }
            // An explanation a request asks for (`explain=`) is one more key of each prediction.
            var properties = Dictionary(uniqueKeysWithValues: keys.map { ($0, JSONValue.object([:])) })
            for kind in ExplanationKind.allCases { properties[kind.rawValue] = .object([:]) }
            let prediction: JSONValue = .object(["type": "object", "required": .array(keys.map { .string($0) }),
                                                 "properties": .object(properties)])
            return .object(["schema": .object(["type": "object", "required": .array(["predictions"]),
                                               "properties": .object(["predictions": .object(["type": "array", "items": prediction])])])])
        case .csv, .jsonLines:
            return .object(["schema": .object(["type": "string"])])
        case .recordIO, .npy:
            return .object(["schema": .object(["type": "string", "contentMediaType": "application/octet-stream"])])
        }
    }

    /// SageMaker's pass-through header, whose `explain=` entry asks for an explanation of each prediction.
    private var customAttributesHeader: JSONValue {
        .object(["name": "X-Amzn-SageMaker-Custom-Attributes", "in": "header", "required": false,
                 "description": .string("""
                     key=value entries separated by , or ; — Berth reads explain=contributions|leaves|margin (docs/explanations.md) \
                     and ignores the rest
                     """),
                 // No example: Swagger UI's "Try it out" would send it, and every tried request would be explained.
                 "schema": .object(["type": "string"])])
    }

    // MARK: The multi-model API

    private var targetModelHeader: JSONValue {
        .object(["name": "X-Amzn-SageMaker-Target-Model", "in": "header", "required": false,
                 "description": "the model's readable name, which the logs use", "schema": .object(["type": "string"])])
    }

    private static let modelDescription: JSONValue = .object([
        "type": "object", "required": .array(["modelName", "modelUrl"]),
        "properties": .object(["modelName": .object(["type": "string"]), "modelUrl": .object(["type": "string"]),
                               "memoryBytes": .object(["type": "integer"])]),
    ])

    private static let status: JSONValue = .object(["type": "object", "properties": .object(["status": .object(["type": "string"])])])

    private var listModels: JSONValue {
        var operation = operationFields("the loaded models, 100 a page", tag: "models", responses: [
            "200": response("a page of models", ["application/json": .object([
                "type": "object", "required": .array(["models"]),
                "properties": .object(["models": .object(["type": "array", "items": Self.modelDescription]),
                                       "nextPageToken": .object(["type": "string"])]),
            ])]),
            "400": plainTextResponse("a limit that is not a whole number from 1, or a page token this server did not write"),
        ])
        operation["parameters"] = .array([
            .object(["name": "limit", "in": "query", "schema": .object(["type": "integer", "minimum": 1]),
                     "description": "models a page, from 1; more than 100 is 100"]),
            .object(["name": "next_page_token", "in": "query", "schema": .object(["type": "string"]),
                     "description": "the nextPageToken of the page before; none for the first page"]),
        ])
        return .object(operation)
    }

    private var loadModel: JSONValue {
        var operation = operationFields("load the model in a folder under the models root", tag: "models", responses: [
            "200": response("loaded", ["application/json": Self.status]),
            "400": plainTextResponse("a bad body or name, a folder outside the models root, or a model that cannot be read"),
            "408": plainTextResponse("the body did not arrive in time (BERTH_BODY_TIMEOUT_SECONDS)"),
            "409": plainTextResponse("a model of that name is loaded or loading"),
            "413": plainTextResponse("the body is over 64 KiB"),
            "507": plainTextResponse("the model is larger than the whole memory budget (BERTH_MODELS_MEMORY_MB)"),
        ])
        operation["parameters"] = .array([targetModelHeader])
        operation["requestBody"] = .object(["required": true, "content": .object(["application/json": .object(["schema": .object([
            "type": "object", "required": .array(["model_name", "url"]),
            "properties": .object(["model_name": .object(["type": "string", "minLength": 1, "maxLength": 1024]),
                                   "url": .object(["type": "string"])]),
        ])])])])
        return .object(operation)
    }

    private var describeModel: JSONValue {
        var operation = operationFields("one loaded model", tag: "models", responses: [
            "200": response("the model", ["application/json": Self.modelDescription]),
            "404": plainTextResponse("not loaded"),
        ])
        operation["parameters"] = .array([Self.pathParameterName])
        return .object(operation)
    }

    private var unloadModel: JSONValue {
        var operation = operationFields("unload a model", tag: "models", responses: [
            "200": response("unloaded", ["application/json": Self.status]),
            "404": plainTextResponse("not loaded"),
        ])
        operation["parameters"] = .array([Self.pathParameterName, targetModelHeader])
        return .object(operation)
    }

    // MARK: Building blocks

    private func operationFields(_ summary: String, tag: String, responses: [String: JSONValue]) -> [String: JSONValue] {
        ["summary": .string(summary), "tags": .array([.string(tag)]), "responses": .object(responses)]
    }

    private func operation(_ summary: String, tag: String, responses: [String: JSONValue]) -> JSONValue {
        .object(operationFields(summary, tag: tag, responses: responses))
    }

    private func response(_ description: String, _ content: [String: JSONValue]) -> JSONValue {
        .object(["description": .string(description), "content": .object(content.mapValues { schema in
            if case .object(let members) = schema, members["schema"] != nil { return schema }
            return .object(["schema": schema])
        })])
    }

    private func plainTextResponse(_ description: String) -> JSONValue {
        response(description, ["text/plain": .object(["type": "string"])])
    }
}

private extension [String: JSONValue] {
    /// A media type object with its `example`, or without one when there is none.
    func withExample(_ example: JSONValue?) -> Self {
        var object = self
        object["example"] = example
        return object
    }
}
