import BerthJSON

/// The JSON shapes one request row may take (FMT-JSON-1), shared by the JSON and JSON Lines decoders:
/// a plain array of numbers; `{"features": [...]}`; SageMaker's record form
/// `{"data": {"features": {"values": [...]}}}`; and its sparse form with `keys` (feature indices) and `shape`,
/// where absent features are missing. `null` is a missing value everywhere.
enum JSONRows {
    /// Appends one row of exactly `featureCount` values, or throws a 400 naming the row (`label`).
    static func appendRow<Values: FeatureValues>(_ value: JSONValue, featureCount: Int, label: String, into values: inout Values) throws(CodecError) {
        switch value {
        case .array(let elements):
            try appendDense(elements, featureCount: featureCount, label: label, into: &values)
        case .object(let members):
            if let features = members["features"] {
                try appendRow(features, featureCount: featureCount, label: label, into: &values)
            } else if let features = members["data"]?["features"] {
                try appendRecord(features, featureCount: featureCount, label: label, into: &values)
            } else if members["values"] != nil {
                try appendRecord(value, featureCount: featureCount, label: label, into: &values)
            } else {
                throw .bad("\(label) is an object without \"features\" or \"data\": send {\"features\": [...]} or an array of numbers")
            }
        default:
            throw .bad("\(label) is not an array of numbers or an object with \"features\"")
        }
    }

    /// `{"values": [...]}` dense, or `{"keys": [...], "values": [...], "shape": [n]}` sparse.
    private static func appendRecord<Values: FeatureValues>(_ record: JSONValue, featureCount: Int, label: String, into values: inout Values) throws(CodecError) {
        guard let numbers = record["values"]?.array else { throw .bad("\(label) has no \"values\" array") }
        guard let keys = record["keys"]?.array, !keys.isEmpty else {
            try appendDense(numbers, featureCount: featureCount, label: label, into: &values)
            return
        }
        guard keys.count == numbers.count else {
            throw .bad("\(label) has \(keys.count) keys but \(numbers.count) values")
        }
        if let shape = record["shape"]?.numbers, let width = shape.first, width != Double(featureCount) {
            throw .bad("\(label) has shape \(Int(exactly: width).map(String.init) ?? "?") but the model takes \(featureCount) features")
        }
        let start = values.count
        values.appendMissing(count: featureCount)
        for (key, element) in zip(keys, numbers) {
            guard let index = key.number.flatMap({ Int(exactly: $0) }), index >= 0, index < featureCount else {
                throw .bad("\(label) has a key outside 0..<\(featureCount)")
            }
            values.set(try number(element, label: label, position: index), at: start + index)
        }
    }

    private static func appendDense<Values: FeatureValues>(_ elements: [JSONValue], featureCount: Int, label: String, into values: inout Values) throws(CodecError) {
        guard elements.count == featureCount else {
            if elements.first?.array != nil {
                throw .bad("\(label) is an array of arrays where one row was expected")
            }
            throw .bad(countMessage(fields: elements.count, featureCount: featureCount, subject: label))
        }
        for (position, element) in elements.enumerated() {
            values.append(try number(element, label: label, position: position))
        }
    }

    private static func number(_ value: JSONValue, label: String, position: Int) throws(CodecError) -> Double {
        switch value {
        case .number(let number): return number
        case .null: return .nan
        default: throw .bad("\(label), value \(position + 1) is not a number (use null for a missing value)")
        }
    }
}
