/// A row of a batch the model's own library would fail the request for — an ONNX OneHotEncoder written with
/// `zeros=0` (scikit-learn's `handle_unknown='error'`) meeting a value that is none of its categories — so that
/// Berth refuses the request naming the row where it would otherwise answer something the library never gives.
/// The kernel still writes an answer for the row (the rows joined with it in one call are answered as ever);
/// the request that brought the row is refused (`Predictions.refusals`).
public struct RowRefusal: Sendable, Equatable {
    /// The row's index in the batch predicted, from 0.
    public var row: Int
    /// What the row holds that the model refuses, and what to send instead: the 400's message after "row N".
    public let reason: String

    public init(row: Int, reason: String) {
        self.row = row
        self.reason = reason
    }
}
