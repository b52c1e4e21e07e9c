/// A row of a batch the model's own library would fail the request for — an ONNX OneHotEncoder written with
/// `zeros=0` (scikit-learn's `handle_unknown='error'`) meeting a value that is none of its categories, an embedding's
/// Gather or an ArrayFeatureExtractor meeting an index outside its table — so that Berth refuses the request naming
/// the row where it would otherwise answer something the library never gives.
/// The kernel still writes an answer for the row (the rows joined with it in one call are answered as ever);
/// the request that brought the row is refused (`Predictions.refusals`).
///
/// The reason is worked out only when asked (a request is refused by its first row alone): a body of a million
/// refused rows keeps a value and a shared description each, not a million messages.
public struct RowRefusal: Sendable, Equatable {
    /// The row's index in the batch predicted, from 0.
    public var row: Int
    /// The value the row held that the model refuses.
    public let value: Float
    /// Words `value` into the reason; one closure shared by every row a kernel refuses in a call.
    private let describe: @Sendable (Float) -> String

    public init(row: Int, value: Float, describe: @escaping @Sendable (Float) -> String) {
        self.row = row
        self.value = value
        self.describe = describe
    }

    /// What the row holds that the model refuses, and what to send instead: the 400's message after "row N".
    public var reason: String { describe(value) }

    /// The same row, numbered `offset` further on (a block's rows in the whole batch) or back (a share's).
    public func moved(by offset: Int) -> RowRefusal {
        var moved = self
        moved.row += offset
        return moved
    }

    /// `value` as a reason names it: "a missing value", or `noun` and the number ("the index 3", "the value 1.5",
    /// "the value 1e+19": whole numbers as integers where an `Int` holds them).
    public static func naming(_ value: Float, as noun: String) -> String {
        if value.isNaN { return "a missing value" }
        if value.magnitude < 0x1p62, value == value.rounded(.towardZero) { return "the \(noun) \(Int(value))" }
        return "the \(noun) \(value)"
    }

    public static func == (a: RowRefusal, b: RowRefusal) -> Bool {
        a.row == b.row && a.value.bitPattern == b.value.bitPattern && a.reason == b.reason
    }
}
