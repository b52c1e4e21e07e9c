import BerthCore

extension Predictions {
    /// The 400 for the first row the model refused (`RowRefusal`), or nil when it refused none. `recordsFromLine`,
    /// the line of a file the request's first record is on (`berth predict`'s mini-batches), says where the rows start.
    public func refusal(recordsFromLine: Int? = nil) -> CodecError? {
        guard let first = refusals.first else { return nil }
        let place = recordsFromLine.map { "row \(first.row + 1) of the records from line \($0)" } ?? "row \(first.row + 1) of the request"
        let others = refusals.count - 1
        return .bad("\(place): \(first.reason)" + (others > 0 ? " (\(others) more row\(others == 1 ? " is" : "s are") refused too)" : ""))
    }
}
