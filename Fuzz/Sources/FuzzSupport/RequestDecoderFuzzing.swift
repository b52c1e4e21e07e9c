import BerthCodecs
import BerthCore

/// Runs one request decoder over a fuzz input and checks what it promises: a batch of exactly the asked-for
/// columns — with the doubles beside the float32s, each narrowing to its float32, when asked to keep them — or
/// a 4xx error with a short message.
public func fuzzRequestDecoder(_ format: RequestFormat, _ input: FuzzInput) {
    let options = RequestDecodingOptions(libsvmIndexBase: input.oneBasedIndices ? 1 : 0,
                                         precision: input.keepsDoubles ? .float64 : .float32)
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
