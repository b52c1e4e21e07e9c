import BerthCore
import BerthText

/// A value sent as text where the model reads a number: in a categorical feature whose training categories the
/// model file records, the category's code (NaN for a category unseen in training, as the libraries read it); in any
/// other feature, a 400 naming the record, the feature and the value (docs/feature-schema.md). Shared by every
/// decoder that reads text values (JSON, JSON Lines, CSV).
enum CategoryText {
    static func code(_ text: String, column: Int, schema: FeatureSchema?, label: String) throws(CodecError) -> Double {
        if let schema, let code = schema.code(ofText: text, column: column) {
            return try accepted(code, value: "'\(shortened(text))'", column: column, schema: schema, label: label)
        }
        let feature = describe(column: column, schema: schema)
        let value = "'\(shortened(text))'"
        guard let schema, schema.features.indices.contains(column) else {
            throw .bad("\(label), \(feature) is \(value), which is not a number (use null for a missing value)")
        }
        switch schema.features[column].kind {
        case .numerical:
            throw .bad("\(label), \(feature) is numerical, and \(value) is not a number (use null or an empty field for a missing value)")
        case .categorical, .hashedCategorical:
            throw .bad("""
                \(label), \(feature) is categorical, but the model file records no category values for it (xgboost ≥ 3.1 and \
                LightGBM trained on a pandas DataFrame record them), so \(value) cannot be recoded: send its code as a number
                """)
        }
    }

    /// What a number in a named record's (or headed CSV's) `column` is: the code of that category when the
    /// feature's categories are numbers (as pandas reads a number into a categorical column), else the number itself.
    static func code(ofNumber number: Double, column: Int, schema: FeatureSchema?, label: String) throws(CodecError) -> Double {
        guard let schema, let code = schema.code(ofNumber: number, column: column) else { return number }
        return number.isNaN ? code : try accepted(code, value: CategoryText.shortened(FeatureSchema.Categories.text(number)), column: column,
                                                 schema: schema, label: label)
    }

    /// A recoded category, or the 400 for one unseen in training (NaN) when the model's library refuses those.
    private static func accepted(_ code: Double, value: String, column: Int, schema: FeatureSchema, label: String) throws(CodecError) -> Double {
        guard code.isNaN, schema.unseenCategories == .refused else { return code }
        var known = ""
        if case .categorical(let categories?) = schema.features[column].kind {
            let texts = categories.texts
            known = " (its categories: " + texts.prefix(8).map(shortened).joined(separator: ", ") + (texts.count > 8 ? ", … \(texts.count) in all" : "") + ")"
        }
        throw .bad("""
            \(label), \(describe(column: column, schema: schema)) is \(value), a category the model was not trained \
            with\(known): xgboost refuses unseen categories, and so does Berth; send null (or an empty field) for a \
            missing value
            """)
    }

    /// `value 3` positionally, `feature 'city' (value 3)` when the model names it.
    static func describe(column: Int, schema: FeatureSchema?) -> String {
        guard let schema, schema.features.indices.contains(column), let name = schema.features[column].name else {
            return "value \(column + 1)"
        }
        return "feature '\(shortened(name))' (value \(column + 1))"
    }

    /// A request's text as its messages quote it: 40 characters at most, control characters shown as `?`.
    static func shortened(_ text: String) -> String { text.excerpt(limit: 40) }
}
