import BerthCodecs
import BerthCore

/// Runs one request decoder over a fuzz input and checks what it promises: a batch of exactly the asked-for
/// columns, or a 4xx error with a short message.
public func fuzzRequestDecoder(_ format: RequestFormat, _ input: FuzzInput) {
    let options = RequestDecodingOptions(libsvmIndexBase: input.oneBasedIndices ? 1 : 0)
    do {
        let batch = try format.decoder(options: options).decode(input.body, featureCount: input.featureCount)
        precondition(batch.columnCount == input.featureCount, "decoded \(batch.columnCount) columns, asked for \(input.featureCount)")
        precondition(batch.values.count == batch.rowCount * batch.columnCount, "batch values do not fill rows × columns")
        precondition(batch.rowCount > 0, "an accepted body decoded to no rows")
    } catch {
        requireShortMessage(error.message)
    }
}
