import BerthCore
import BerthJSON

/// Which of an XGBoost model's features are categorical, and (xgboost ≥ 3.1) the categories each was trained
/// with, from `learner.feature_types` (`"c"` for categorical) and the booster's `cats` — for each feature either
/// no categories, text categories as UTF-8 bytes (signed) cut at `offsets`, or number categories as `values` — in code order
/// (docs/feature-schema.md). Categories laid out any other way are left out, not refused: the model still serves
/// codes, as it did before requests could send category values.
enum XGBoostFeatureKinds {
    /// The kind of each categorical feature, by column; empty when the file has no feature types.
    static func read(learner: JSONValue, model: JSONValue?, featureCount: Int) -> [Int: FeatureSchema.Kind] {
        guard let types = learner["feature_types"]?.array?.compactMap(\.string), types.count == featureCount else { return [:] }
        // A model trained on codes (numpy with feature_types) has `cats` with no encodings.
        let encodings = model?["cats"]?["enc"]?.array.flatMap { $0.count == featureCount ? $0 : nil }
        var kinds = [Int: FeatureSchema.Kind]()
        for (feature, type) in types.enumerated() where type == "c" {
            kinds[feature] = .categorical(encodings.flatMap { categories($0[feature]) })
        }
        return kinds
    }

    /// A feature's categories, nil when the encoding lists none or cannot be read.
    private static func categories(_ encoding: JSONValue) -> FeatureSchema.Categories? {
        guard let values = encoding["values"]?.numbers else { return nil }
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
            guard let end = Int(exactly: offset), end >= start, end <= values.count else { return nil }
            var bytes = [UInt8]()
            bytes.reserveCapacity(end - start)
            // xgboost writes the bytes as signed 8-bit integers (`é` is -61, -87).
            for value in values[start..<end] {
                guard let byte = Int(exactly: value), (-128...255).contains(byte) else { return nil }
                bytes.append(UInt8(truncatingIfNeeded: byte))
            }
            texts.append(String(decoding: bytes, as: UTF8.self))
            start = end
        }
        guard offsets.first == 0, start == values.count else { return nil }
        return .strings(texts)
    }
}
