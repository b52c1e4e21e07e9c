import BerthCore
import BerthJSON

/// The JSON shapes one request row may take (FMT-JSON-1), shared by the JSON and JSON Lines decoders:
/// a plain array of numbers; `{"features": [...]}`; SageMaker's record form
/// `{"data": {"features": {"values": [...]}}}`; its sparse form with `keys` (feature indices) and `shape`,
/// where absent features are missing; and, for a model whose file names its features, a named record
/// `{"age": 31, "city": "tokyo"}` in any key order (docs/feature-schema.md). `null` is a missing value everywhere;
/// a string in a categorical feature is a category value, recoded to its training code (`FeatureSchema`).
struct JSONRows {
    let options: RequestDecodingOptions
    let featureCount: Int

    /// Appends one row of exactly `featureCount` values, or throws a 400 naming the row (`label`).
    func appendRow<Values: FeatureValues>(_ value: JSONValue, label: String, into values: inout Values) throws(CodecError) {
        switch value {
        case .array(let elements):
            try appendDense(elements, label: label, named: false, into: &values)
        case .object(let members):
            if isNamedRecord(members) {
                try appendNamed(members, label: label, into: &values)
            } else if let features = members["features"] {
                try appendRow(features, label: label, into: &values)
            } else if let features = members["data"]?["features"] {
                try appendRecord(features, label: label, into: &values)
            } else if members["values"] != nil {
                try appendRecord(value, label: label, into: &values)
            } else {
                throw .bad("""
                    \(label) is an object without "features" or "data", and this model's file names no features, so its \
                    keys cannot be read as feature names: send {"features": [...]} or an array of \(featureCount) values in \
                    training column order
                    """)
            }
        default:
            throw .bad("\(label) is not an array of numbers or an object with \"features\"")
        }
    }

    /// Whether an object is a record of named features: the model names every feature, and the object either has
    /// none of the keys of SageMaker's record forms or names only features (a feature may be called `data`).
    private func isNamedRecord(_ members: [String: JSONValue]) -> Bool {
        guard let schema = options.schema, schema.namesEveryFeature else { return false }
        let hasRecordKey = members["features"] != nil || members["data"] != nil || members["values"] != nil
        return !hasRecordKey || members.keys.allSatisfy { schema.column(named: $0) != nil }
    }

    /// `{"name": value, …}`: each key's value in its feature's column, features not named missing.
    func appendNamed<Values: FeatureValues>(_ members: [String: JSONValue], label: String, into values: inout Values) throws(CodecError) {
        guard let schema = options.schema else { throw .bad("\(label) names features, but this model's file names none") }
        guard members.count <= featureCount + RequestDecodingOptions.extraNameMargin else {
            throw .bad("\(label) has \(members.count) keys, and the model takes \(featureCount) features")
        }
        try RequestDecodingOptions.requireRoom(for: values.count, featureCount: featureCount)
        let start = values.count
        values.appendMissing(count: featureCount)
        var unknown = [String]()
        for (name, element) in members {
            guard let column = schema.column(named: name) else {
                if options.unknownFeatures == .reject { unknown.append(name) }
                continue
            }
            values.set(try number(element, label: label, column: column, named: true), at: start + column)
        }
        guard unknown.isEmpty else {
            let listed = unknown.sorted().prefix(3).map { "'\(CategoryText.shortened($0))'" }.joined(separator: ", ")
            throw .bad("""
                \(label) names \(unknown.count == 1 ? "a feature" : "\(unknown.count) features") the model does not have: \(listed) \
                (its features: \(Self.featureList(schema))); fix the name\(unknown.count == 1 ? "" : "s"), or set \
                BERTH_UNKNOWN_FEATURES=ignore to drop keys the model does not know
                """)
        }
    }

    /// The DataFrame `split` orientation's rows: `columns` names each position of every row in `data`.
    func appendSplit<Values: FeatureValues>(columns: [JSONValue], rows: [JSONValue], into values: inout Values) throws(CodecError) {
        guard let schema = options.schema, schema.namesEveryFeature else {
            throw .bad("\"dataframe_split\" names its columns, but this model's file names no features: send \"data\" rows in training column order as {\"instances\": [...]}")
        }
        guard columns.count <= featureCount + RequestDecodingOptions.extraNameMargin else {
            throw .bad("\"dataframe_split\" has \(columns.count) columns, and the model takes \(featureCount) features")
        }
        var targets = [Int?]()
        var seen = Set<Int>()
        for (position, column) in columns.enumerated() {
            // pandas names integer columns by numbers.
            guard let name = column.string ?? column.number.map(FeatureSchema.Categories.text) else {
                throw .bad("\"dataframe_split\" column \(position + 1) is not a name")
            }
            guard let target = schema.column(named: name) else {
                guard options.unknownFeatures == .ignore else {
                    throw .bad("""
                        "dataframe_split" names a feature the model does not have: '\(CategoryText.shortened(name))' (its \
                        features: \(Self.featureList(schema))); fix the name, or set BERTH_UNKNOWN_FEATURES=ignore
                        """)
                }
                targets.append(nil)
                continue
            }
            guard seen.insert(target).inserted else {
                throw .bad("\"dataframe_split\" names the column '\(CategoryText.shortened(name))' twice")
            }
            targets.append(target)
        }
        for (index, row) in rows.enumerated() {
            let label = "row \(index + 1)"
            guard let elements = row.array else { throw .bad("\"dataframe_split\" \(label) is not an array") }
            guard elements.count == columns.count else {
                throw .bad("\"dataframe_split\" \(label) has \(elements.count) values for \(columns.count) columns")
            }
            try RequestDecodingOptions.requireRoom(for: values.count, featureCount: featureCount)
            let start = values.count
            values.appendMissing(count: featureCount)
            for (element, target) in zip(elements, targets) {
                guard let target else { continue }
                values.set(try number(element, label: label, column: target, named: true), at: start + target)
            }
        }
    }

    /// `{"values": [...]}` dense, or `{"keys": [...], "values": [...], "shape": [n]}` sparse.
    private func appendRecord<Values: FeatureValues>(_ record: JSONValue, label: String, into values: inout Values) throws(CodecError) {
        guard let numbers = record["values"]?.array else { throw .bad("\(label) has no \"values\" array") }
        guard let keys = record["keys"]?.array, !keys.isEmpty else {
            try appendDense(numbers, label: label, named: false, into: &values)
            return
        }
        guard keys.count == numbers.count else {
            throw .bad("\(label) has \(keys.count) keys but \(numbers.count) values")
        }
        if let shape = record["shape"]?.numbers, let width = shape.first, width != Double(featureCount) {
            throw .bad("\(label) has shape \(Int(exactly: width).map(String.init) ?? "?") but the model takes \(featureCount) features")
        }
        try RequestDecodingOptions.requireRoom(for: values.count, featureCount: featureCount)
        let start = values.count
        values.appendMissing(count: featureCount)
        for (key, element) in zip(keys, numbers) {
            guard let index = key.number.flatMap({ Int(exactly: $0) }), index >= 0, index < featureCount else {
                throw .bad("\(label) has a key outside 0..<\(featureCount)")
            }
            values.set(try number(element, label: label, column: index, named: false), at: start + index)
        }
    }

    private func appendDense<Values: FeatureValues>(_ elements: [JSONValue], label: String, named: Bool,
                                                    into values: inout Values) throws(CodecError) {
        guard elements.count == featureCount else {
            if elements.first?.array != nil {
                throw .bad("\(label) is an array of arrays where one row was expected")
            }
            throw .bad(countMessage(fields: elements.count, featureCount: featureCount, subject: label))
        }
        for (column, element) in elements.enumerated() {
            values.append(try number(element, label: label, column: column, named: named))
        }
    }

    /// A value of `column`: a number (in a named record, a number category's code), `null` missing, or a category
    /// value's code (`CategoryText`).
    private func number(_ value: JSONValue, label: String, column: Int, named: Bool) throws(CodecError) -> Double {
        switch value {
        case .number(let number):
            return named ? try CategoryText.code(ofNumber: number, column: column, schema: options.schema, label: label) : number
        case .null:
            return .nan
        case .string(let text):
            return try CategoryText.code(text, column: column, schema: options.schema, label: label)
        default:
            throw .bad("\(label), \(CategoryText.describe(column: column, schema: options.schema)) is not a number (use null for a missing value)")
        }
    }

    /// The first features' names, for messages.
    static func featureList(_ schema: FeatureSchema) -> String {
        let names = schema.features.prefix(8).compactMap(\.name).map { CategoryText.shortened($0) }
        return names.joined(separator: ", ") + (schema.featureCount > 8 ? ", … (\(schema.featureCount) in all)" : "")
    }
}
