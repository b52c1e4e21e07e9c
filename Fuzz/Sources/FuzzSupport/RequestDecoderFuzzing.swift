import BerthCodecs
import BerthCore

/// Runs one request decoder over a fuzz input and checks what it promises: a batch of exactly the asked-for
/// columns — with the doubles beside the float32s, each narrowing to its float32, when asked to keep them — or
/// a 4xx error with a short message.
public func fuzzRequestDecoder(_ format: RequestFormat, _ input: FuzzInput) {
    var options = RequestDecodingOptions(libsvmIndexBase: input.oneBasedIndices ? 1 : 0,
                                         precision: input.keepsDoubles ? .float64 : .float32)
    // The text formats do not read libsvm's index base: its bit asks for a request by name instead.
    if input.oneBasedIndices && [.csv, .json, .jsonLines].contains(format) {
        options.schema = namedSchema(featureCount: input.featureCount)
        options.csvHeader = .present
    }
    do {
        let batch = try format.decoder(options: options).decode(input.body, featureCount: input.featureCount)
        precondition(batch.columnCount == input.featureCount, "decoded \(batch.columnCount) columns, asked for \(input.featureCount)")
        precondition(batch.values.count == batch.rowCount * batch.columnCount, "batch values do not fill rows × columns")
        precondition(batch.rowCount > 0, "an accepted body decoded to no rows")
        if let doubles = batch.doubles {
            precondition(doubles.count == batch.values.count, "kept doubles do not match the values")
            for (double, value) in zip(doubles, batch.values) {
                precondition(Float(double).bitPattern == value.bitPattern || double.isNaN && value.isNaN,
                             "a kept double does not narrow to its float32")
            }
        } else {
            precondition(!input.keepsDoubles, "asked to keep doubles, the decoder kept none")
        }
    } catch {
        requireShortMessage(error.message)
    }
}

/// A schema like the ones model files record, for `featureCount` features `f0`, `f1`, …: numerical, text categories
/// (one non-ASCII) and number categories in turn; an odd count refuses unseen categories (xgboost), an even one reads
/// them as missing (LightGBM).
func namedSchema(featureCount: Int) -> FeatureSchema {
    let kinds: [FeatureSchema.Kind] = [.numerical, .categorical(.strings(["a", "b", "é"])), .categorical(.numbers([3, 7, 12]))]
    return FeatureSchema(features: (0..<featureCount).map { FeatureSchema.Feature(name: "f\($0)", kind: kinds[$0 % kinds.count]) },
                         unseenCategories: featureCount % 2 == 1 ? .refused : .missing)
}
