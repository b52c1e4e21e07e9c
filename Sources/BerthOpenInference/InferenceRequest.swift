import BerthCore
import BerthJSON
import BerthText

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An Open Inference Protocol infer request (`POST /v2/models/{name}/infer`), read into the feature rows a tabular
/// model takes: one input tensor of shape `[rows, features]` (or `[features]` for one row) in any numeric datatype,
/// its elements in JSON `data` (flat or nested, row-major; `NaN` or `null` for a missing value) or in the binary tensor
/// extension's section after a JSON header of `Inference-Header-Content-Length` bytes, as Triton's clients send it.
///
/// Everything a client can get wrong is a 400 naming the field and what to send: the header, the tensor count, the
/// datatype, the shape against the model's feature count, the element count, an element that is not of the datatype,
/// an infinite value (which xgboost refuses), binary sizes that do not add up.
public struct InferenceRequest: Sendable {
    /// An output the client asked for, and whether it wants it in the binary section.
    public struct RequestedOutput: Sendable, Equatable {
        public let name: String
        public let binary: Bool?
    }

    /// The request's `id`, echoed in the answer.
    public let id: String?
    /// The rows to predict.
    public let features: FeatureBatch
    /// The outputs named in `outputs`; empty means every output.
    public let requestedOutputs: [RequestedOutput]
    /// `parameters.binary_data_output`: every output in the binary section unless it says otherwise.
    public let binaryDataOutput: Bool

    /// Whether a JSON body sent to SageMaker's `/invocations` is an Open Inference Protocol request (an object with
    /// `"inputs"`, as Triton's SageMaker mode takes), not one of the SageMaker JSON forms, none of which has that key.
    public static func isOpenInferenceBody(_ body: UnsafeRawBufferPointer) -> Bool {
        let isSpace: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }
        guard body.first(where: { !isSpace($0) }) == UInt8(ascii: "{"), mentionsInputsKey(body),
              let document = try? JSONReader.parse(body.bindMemory(to: UInt8.self), allowsNonFiniteNumbers: true) else { return false }
        return document["inputs"] != nil
    }

    /// Whether `"inputs"` occurs anywhere in `body`: the cheap test before a whole parse. Every JSON body sent to
    /// `/invocations` asks it, so it jumps from quote to quote with `memchr`; a SageMaker body of numbers has a quote
    /// or two in its megabytes, and a byte-at-a-time search cost a 10,000-row body about 3 % of its request.
    static func mentionsInputsKey(_ body: UnsafeRawBufferPointer) -> Bool {
        let key: StaticString = #""inputs""#
        let keyLength = key.utf8CodeUnitCount
        guard let base = body.baseAddress, body.count >= keyLength else { return false }
        var start = 0
        while start <= body.count - keyLength,
              let quote = memchr(base + start, Int32(UInt8(ascii: "\"")), body.count - keyLength + 1 - start) {
            if memcmp(quote, key.utf8Start, keyLength) == 0 { return true }
            start = base.distance(to: UnsafeRawPointer(quote)) + 1
        }
        return false
    }

    /// The JSON header length a Triton SageMaker binary content type declares
    /// (`application/vnd.sagemaker-triton.binary+json;json-header-size=N`), nil for any other content type.
    public static func sageMakerTritonHeaderLength(contentType: String?) throws(OpenInferenceError) -> Int? {
        // Every invocation asks this: its bytes are compared in place, not lowercased into a new string first.
        guard let contentType, hasPrefixIgnoringASCIICase(contentType, sageMakerTritonBinary) else { return nil }
        let parameters = contentType.dropFirst(sageMakerTritonBinary.count)
        guard let size = parameters.split(separator: ";").lazy.compactMap({ parameter -> Int? in
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
            return pair.count == 2 && pair[0].lowercased() == "json-header-size" ? Int(pair[1]) : nil
        }).first, size >= 0 else {
            throw .bad("Content-Type \(sageMakerTritonBinary) needs ;json-header-size=N, the JSON header's length in bytes")
        }
        return size
    }

    /// Whether `text` starts with `prefix` (lowercase ASCII), letters in either case.
    static func hasPrefixIgnoringASCIICase(_ text: String, _ prefix: String) -> Bool {
        var bytes = text.utf8.makeIterator()
        for expected in prefix.utf8 {
            guard let byte = bytes.next() else { return false }
            let lowered = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            guard lowered == expected else { return false }
        }
        return true
    }

    /// Triton's SageMaker content type for a JSON header followed by binary tensor data.
    public static let sageMakerTritonBinary = "application/vnd.sagemaker-triton.binary+json"

    /// The most bytes a JSON header may take (the binary section is bounded by the payload limit alone).
    public static let maxHeaderBytes = 64 << 20

    /// Reads `body`: all JSON when `headerLength` is nil, else a JSON header of that many bytes and a binary section;
    /// `precision` is the model's: for a model that compares doubles (LightGBM) each element's double is kept too.
    public init(body: UnsafeRawBufferPointer, headerLength: Int?, featureCount: Int,
                precision: FeaturePrecision = .float32) throws(OpenInferenceError) {
        let jsonLength = headerLength ?? body.count
        guard jsonLength <= body.count else {
            throw .bad("the JSON header length the request declares (Inference-Header-Content-Length, or json-header-size in Triton's SageMaker content type) is \(jsonLength) but the body has \(body.count) bytes")
        }
        guard jsonLength <= Self.maxHeaderBytes else {
            throw .bad("the JSON header is \(jsonLength) bytes, more than \(Self.maxHeaderBytes): send large tensors in the binary section")
        }
        let document: JSONValue
        do {
            document = try JSONReader.parse(UnsafeRawBufferPointer(rebasing: body[0..<jsonLength]).bindMemory(to: UInt8.self),
                                            allowsNonFiniteNumbers: true)
        } catch {
            throw .bad("the request is not valid JSON (\(error)): send {\"inputs\": [{\"name\", \"shape\", \"datatype\", \"data\"}]}")
        }
        guard document.object != nil else { throw .bad("the request must be a JSON object with \"inputs\"") }
        if let id = document["id"], id.string == nil { throw .bad("\"id\" must be a string") }
        id = document["id"]?.string
        binaryDataOutput = try Self.flag(document["parameters"]?["binary_data_output"], "parameters.binary_data_output") ?? false
        requestedOutputs = try Self.requestedOutputs(document["outputs"])

        guard let inputs = document["inputs"]?.array, !inputs.isEmpty else {
            throw .bad("the request has no \"inputs\": send one tensor of shape [rows, \(featureCount)]")
        }
        guard inputs.count == 1 else {
            throw .bad("the request has \(inputs.count) input tensors; this model takes one, of shape [rows, \(featureCount)]")
        }
        let binarySection = UnsafeRawBufferPointer(rebasing: body[jsonLength...])
        features = try Self.features(of: inputs[0], featureCount: featureCount, jsonLength: jsonLength,
                                     binarySection: binarySection, hasBinarySection: headerLength != nil, precision: precision)
    }

    private static func features(of input: JSONValue, featureCount: Int, jsonLength: Int, binarySection: UnsafeRawBufferPointer,
                                 hasBinarySection: Bool, precision: FeaturePrecision) throws(OpenInferenceError) -> FeatureBatch {
        guard input.object != nil, let name = input["name"]?.string else {
            throw .bad("each input needs a \"name\", a \"shape\", a \"datatype\" and its \"data\"")
        }
        let label = "input \(quoted: name)"
        guard let datatypeName = input["datatype"]?.string else { throw .bad("\(label) has no \"datatype\"") }
        guard let datatype = TensorDatatype(rawValue: datatypeName) else {
            let hint = datatypeName == "BYTES" ? "BYTES tensors hold strings, which this model does not read; " : ""
            throw .bad("\(label) has datatype '\(datatypeName.excerpt(limit: 32))': \(hint)send one of \(TensorDatatype.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let rows = try rowCount(shape: input["shape"], featureCount: featureCount, label: label)
        let (count, overflow) = rows.multipliedReportingOverflow(by: featureCount)
        guard !overflow else { throw .bad("\(label) has more elements than a request can hold") }

        var values = [Float]()
        var doubles = precision == .float64 ? [Double]() : nil
        let binarySize = input["parameters"]?["binary_data_size"]
        if let binarySize {
            guard hasBinarySection else {
                throw .bad("\(label) has parameters.binary_data_size but the request has no Inference-Header-Content-Length header")
            }
            guard input["data"] == nil else { throw .bad("\(label) has both \"data\" and parameters.binary_data_size: send one") }
            guard let size = binarySize.number.flatMap(Int.init(exactly:)), size >= 0 else {
                throw .bad("\(label) has a binary_data_size that is not a byte count")
            }
            let expected = count.multipliedReportingOverflow(by: datatype.byteSize)
            guard !expected.overflow, size == expected.partialValue else {
                throw .bad("\(label) has binary_data_size \(size), but \(rows) × \(featureCount) \(datatype.rawValue) elements take \(expected.partialValue) bytes")
            }
            guard size == binarySection.count else {
                throw .bad("the binary section has \(binarySection.count) bytes but \(label) declares \(size)")
            }
            datatype.appendFeatures(binarySection, offset: 0, count: count, into: &values)
            if doubles != nil { datatype.appendWideFeatures(binarySection, offset: 0, count: count, into: &doubles!) }
        } else {
            guard let data = input["data"] else { throw .bad("\(label) has no \"data\" (nor parameters.binary_data_size)") }
            guard binarySection.isEmpty else {
                throw .bad("the request has a binary section but \(label) does not declare parameters.binary_data_size")
            }
            // The shape is only a claim: an element takes at least a byte and a separator of the JSON text, so
            // nothing is set aside for more than the text can hold (a short body claiming 10¹⁷ rows is a 400).
            values.reserveCapacity(min(count, jsonLength / 2 + 1))
            var elements = JSONElements(datatype: datatype, label: label, values: values, doubles: doubles)
            try elements.append(data, depth: 0)
            (values, doubles) = (elements.values, elements.doubles)
            guard values.count == count else {
                throw .bad("\(label) has \(values.count) elements in \"data\" but shape [\(rows), \(featureCount)] needs \(count)")
            }
        }
        let batch = FeatureBatch(rowCount: rows, columnCount: featureCount, values: values, doubles: doubles)
        if let infinite = batch.firstInfiniteIndex {
            throw .bad("""
                \(label) element \(infinite) (row \(infinite / featureCount), column \(infinite % featureCount)) is infinite\
                \(doubles == nil ? " as a float32" : ""), and Berth refuses infinite inputs (xgboost does): send a finite number, \
                or NaN (null in JSON) for a missing value
                """)
        }
        return batch
    }

    /// The rows a `[rows, features]` or `[features]` shape gives.
    private static func rowCount(shape: JSONValue?, featureCount: Int, label: String) throws(OpenInferenceError) -> Int {
        guard let dimensions = shape?.array?.map({ $0.number.flatMap(Int.init(exactly:)) }), !dimensions.isEmpty,
              dimensions.allSatisfy({ ($0 ?? -1) >= 0 }) else {
            throw .bad("\(label) needs a \"shape\" of non-negative integers: [rows, \(featureCount)]")
        }
        let sizes = dimensions.map { $0! }
        switch sizes.count {
        case 1 where sizes[0] == featureCount:
            return 1
        case 2 where sizes[1] == featureCount && sizes[0] > 0:
            return sizes[0]
        case 2 where sizes[1] == featureCount:
            throw .bad("\(label) has shape \(sizes): send at least one row")
        default:
            throw .bad("\(label) has shape \(sizes) but the model takes \(featureCount) features: send shape [rows, \(featureCount)]")
        }
    }

    fileprivate static func notOfType(_ datatype: TensorDatatype, label: String, index: Int) -> OpenInferenceError {
        let expected = switch datatype {
        case .bool: "true or false"
        case .fp16, .bf16: "a number within \(datatype.rawValue)'s range, or null for a missing value"
        case .fp32, .fp64: "a number, or null for a missing value"
        default: "an integer in the range of \(datatype.rawValue)"
        }
        return .bad("\(label) element \(index) is not \(datatype.rawValue): send \(expected)")
    }

    private static func flag(_ value: JSONValue?, _ name: String) throws(OpenInferenceError) -> Bool? {
        guard let value else { return nil }
        guard case .bool(let flag) = value else { throw .bad("\(name) must be true or false") }
        return flag
    }

    private static func requestedOutputs(_ outputs: JSONValue?) throws(OpenInferenceError) -> [RequestedOutput] {
        guard let outputs else { return [] }
        guard let entries = outputs.array else { throw .bad("\"outputs\" must be an array of {\"name\": …}") }
        var requested = [RequestedOutput]()
        for entry in entries {
            guard let name = entry["name"]?.string else { throw .bad("each entry of \"outputs\" needs a \"name\"") }
            requested.append(RequestedOutput(name: name, binary: try flag(entry["parameters"]?["binary_data"], "outputs.parameters.binary_data")))
        }
        return requested
    }
}

/// The elements of a tensor's JSON `data`, flat or nested, gathered in row-major order as float32 and, for a model
/// that compares doubles, as the doubles they are.
private struct JSONElements {
    let datatype: TensorDatatype
    let label: String
    var values: [Float]
    var doubles: [Double]?

    mutating func append(_ data: JSONValue, depth: Int) throws(OpenInferenceError) {
        switch data {
        case .numberArray(let numbers):
            for number in numbers { try append(.number(number)) }
        case .array(let elements):
            guard depth < 8 else { throw .bad("\(label) has \"data\" nested deeper than its shape") }
            for element in elements {
                switch element {
                case .array, .numberArray: try append(element, depth: depth + 1)
                case .number(let number): try append(.number(number))
                case .bool(let flag): try append(.bool(flag))
                case .null: try append(.null)
                case .string, .object: throw InferenceRequest.notOfType(datatype, label: label, index: values.count)
                }
            }
        default:
            throw .bad("\(label) has \"data\" that is not an array: send the elements as a flat or nested array")
        }
    }

    private mutating func append(_ element: JSONElement) throws(OpenInferenceError) {
        guard let feature = datatype.feature(fromJSON: element) else {
            throw InferenceRequest.notOfType(datatype, label: label, index: values.count)
        }
        values.append(feature)
        doubles?.append(datatype.wideFeature(fromJSON: element, narrowed: feature))
    }
}
