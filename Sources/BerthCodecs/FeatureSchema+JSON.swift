import BerthCore
import BerthJSON

extension FeatureSchema {
    /// The schema as `berth inspect` prints it: per feature, in column order, its name (when the file gives one),
    /// `numerical` or `categorical`, and a categorical feature's training categories in code order (or `hashed` when
    /// the model knows them only by their hashes, as CatBoost does).
    public var jsonDescription: JSONValue {
        .array(features.map { feature in
            var entry: [String: JSONValue] = [:]
            if let name = feature.name { entry["name"] = .string(name) }
            switch feature.kind {
            case .numerical:
                entry["kind"] = "numerical"
            case .categorical(let categories):
                entry["kind"] = "categorical"
                if let categories { entry["categories"] = categories.jsonValues }
            case .hashedCategorical:
                // CatBoost knows its categories only by their hashes: any text or whole number is taken.
                entry["kind"] = "categorical"
                entry["hashed"] = true
            }
            return .object(entry)
        })
    }
}

extension FeatureSchema.Categories {
    /// The categories as JSON values: text as strings, numbers as numbers.
    public var jsonValues: JSONValue {
        switch self {
        case .strings(let values): .array(values.map { .string($0) })
        case .numbers(let values): .array(values.map { .number($0) })
        }
    }
}
