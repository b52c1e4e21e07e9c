/// An array `JSONReader.parse(_:allowsNonFiniteNumbers:listingArraysAt:)` found but did not parse: where each of its
/// objects lies in the document, for the caller to parse each on its own (`JSONReader.parse(element:of:in:)`).
public struct ListedElements: Sendable, Equatable {
    /// The member keys from the document's root down to the array's own key.
    public let path: [String]
    /// Each element's bytes in the document, in order.
    public let elements: [Range<Int>]
    /// The array's nesting depth, which its elements' own nesting adds to (against `JSONReader.defaultMaxDepth`).
    public let depth: Int
}
