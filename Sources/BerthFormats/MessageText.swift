/// Text from a model file quoted in an error message, cut so the message stays one readable line whatever the
/// file holds.
enum MessageText {
    static func shortened(_ text: String) -> String { text.count <= 64 ? text : "\(text.prefix(64))…" }
}
