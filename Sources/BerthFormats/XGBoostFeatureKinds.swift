import BerthCore
import BerthJSON

/// Which of an XGBoost model's features are categorical, and (xgboost ≥ 3.1) the categories each was trained
/// with, from `learner.feature_types` (`"c"` for categorical) and the booster's `cats` — for each feature either
/// no categories, text categories as UTF-8 bytes (signed) cut at `offsets`, or number categories as `values` — in code order
/// (docs/feature-schema.md).
enum XGBoostFeatureKinds {
    /// One kind per feature, or nil when the file has no feature types.
    static func read(learner: JSONValue, model: JSONValue?, featureCount: Int,
                     _ fail: (String) -> ModelReadError) throws(ModelReadError) -> [FeatureSchema.Kind]? {
        guard let types = learner["feature_types"]?.array?.compactMap(\.string), types.count == featureCount else { return nil }
        // A model trained on codes (numpy with feature_types) has `cats` with no encodings.
        let encodings = model?["cats"]?["enc"]?.array.flatMap { $0.isEmpty ? nil : $0 }
        if let encodings, encodings.count != featureCount {
            throw fail("has categories for \(encodings.count) features but takes \(featureCount)")
        }
        var kinds = [FeatureSchema.Kind]()
        kinds.reserveCapacity(featureCount)
        for (feature, type) in types.enumerated() {
            guard type == "c" else {
                kinds.append(.numerical)
                continue
            }
            kinds.append(.categorical(try encodings.flatMap { encodings throws(ModelReadError) in
                try categories(encodings[feature], feature: feature, fail)
            }))
        }
        return kinds
    }

    /// A feature's categories, nil when the encoding lists none.
    private static func categories(_ encoding: JSONValue, feature: Int,
                                   _ fail: (String) -> ModelReadError) throws(ModelReadError) -> FeatureSchema.Categories? {
        guard let values = encoding["values"]?.numbers else { throw fail("has unreadable categories for feature \(feature)") }
        guard let offsets = encoding["offsets"]?.numbers else {
            return values.isEmpty ? nil : .numbers(values)
        }
        if offsets.isEmpty && values.isEmpty { return nil }
        // xgboost (3.1, 3.2) writes the offsets of non-ASCII categories counted in characters over UTF-8 bytes, and
        // cuts the last bytes: such categories cannot be read back (xgboost's own reloaded model mis-recodes them),
        // so the feature takes codes only.
        if values.contains(where: { $0 < 0 || $0 > 127 }) { return nil }
        var texts = [String]()
        texts.reserveCapacity(max(0, offsets.count - 1))
        var start = 0
        for offset in offsets.dropFirst() {
            guard let end = Int(exactly: offset), end >= start, end <= values.count else {
                throw fail("has category offsets outside its category bytes for feature \(feature)")
            }
            var bytes = [UInt8]()
            bytes.reserveCapacity(end - start)
            // xgboost writes the bytes as signed 8-bit integers (`é` is -61, -87).
            for value in values[start..<end] {
                guard let byte = Int(exactly: value), (-128...255).contains(byte) else {
                    throw fail("has a category byte out of range for feature \(feature)")
                }
                bytes.append(UInt8(truncatingIfNeeded: byte))
            }
            texts.append(String(decoding: bytes, as: UTF8.self))
            start = end
        }
        guard offsets.first == 0, start == values.count else {
            throw fail("has category offsets that do not cover its category bytes for feature \(feature)")
        }
        return .strings(texts)
    }
}
