import BerthCore
import BerthJSON

extension FeatureSchema {
    /// The schema as `berth inspect` prints it: per feature, in column order, its name (when the file gives one),
    /// `numerical` or `categorical`, and a categorical feature's training categories in code order (or `hashed` when
    /// the model knows them only by their hashes, as CatBoost does).
    public var jsonDescription: JSONValue {
        .array(features.map { .object(Self.fields($0)) })
    }

    /// Rows wider than this, when the file does not name every feature, are not described feature by feature: a
    /// libsvm model of hashed tokens, or a CatBoost file naming a categorical column at 2²⁴ − 1, has millions of
    /// columns that say only "numerical", and their list would run to tens of megabytes.
    public static let widestDescribedRow = 1_024

    /// Whether `jsonDescription` is worth printing: every feature is named (the names are the point), or the row is
    /// at most `widestDescribedRow` wide.
    public var isDescribedFeatureByFeature: Bool { namesEveryFeature || featureCount <= Self.widestDescribedRow }

    /// The columns that are not numerical, in column order, each as `jsonDescription` gives it with its `column`
    /// (from 0) added: what a schema too wide to list says beyond "every other column is a number".
    public var nonNumericalDescription: JSONValue {
        .array(nonNumericalKinds.keys.sorted().map { column in
            var fields = Self.fields(feature(column))
            fields["column"] = .number(Double(column))
            return .object(fields)
        })
    }

    private static func fields(_ feature: Feature) -> [String: JSONValue] {
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
        return entry
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
