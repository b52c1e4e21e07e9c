import BerthCore

extension Predictions {
    /// The 400 for the first row the model refused (`RowRefusal`), or nil when it refused none. `firstLineNumber`,
    /// when a body's records start past its first line (`berth predict`'s mini-batches), says where the rows start.
    public func refusal(firstLineNumber: Int = 1) -> CodecError? {
        guard let first = refusals.first else { return nil }
        let place = firstLineNumber == 1 ? "row \(first.row + 1) of the request" : "row \(first.row + 1) of the records from line \(firstLineNumber)"
        let others = refusals.count - 1
        return .bad("\(place): \(first.reason)" + (others > 0 ? " (\(others) more row\(others == 1 ? " is" : "s are") refused too)" : ""))
    }
}
