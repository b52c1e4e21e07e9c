import BerthCore

/// What shapes a response beyond its content type: the selected outputs, and batch transform's framing.
public struct ResponseEncodingOptions: Sendable, Equatable {
    /// `SAGEMAKER_INFERENCE_OUTPUT`, checked against the model; nil answers the model's scores.
    public var selection: OutputSelection?
    /// `SAGEMAKER_BATCH`: every text response ends with a newline, as the official container's do in batch mode
    /// (BT-9), so responses concatenated by `AssembleWith=Line` stay one record per line.
    public var batchFraming: Bool
    /// What JSON answers carry when nothing is selected, when that is not the scores: an ONNX classifier answers
    /// `{"predicted_label": …, "probabilities": […]}` with its own class labels.
    public var jsonDefault: OutputSelection?
    /// What the request asked to have explained, per row (`explain=`): JSON and JSON Lines answers add it to each
    /// row's object under its kind's name (`contributions`, `leaves`, `margin`).
    public var explanations: Explanations?

    public init(selection: OutputSelection? = nil, batchFraming: Bool = false, jsonDefault: OutputSelection? = nil) {
        self.selection = selection
        self.batchFraming = batchFraming
        self.jsonDefault = jsonDefault
    }

    /// Whether text answers write each row's bare scores, one line per row, lists bracketed (`[0.1, 0.2, 0.7]`):
    /// batch mode without selected outputs, where the official container writes CSV and JSON Lines that way and
    /// batch transform's downstream readers expect it (BT-9).
    var writesBareScoreLines: Bool { batchFraming && selection == nil && explanations == nil }

    /// The values of one row (its doubles, a slice of `Predictions.wideValues`) in the variable's order, for NPY
    /// columns (CSV writes each as it is derived).
    func orderedValues(_ row: ArraySlice<Double>, selection: OutputSelection) -> [SelectedValue] {
        selection.keys.map { selection.value($0, row: row) }
    }
}
