/// An object's members in the order the document wrote them, looked up by scanning; a typed array among them kept
/// as the document's bytes (`BinaryNumbers`) until it is read.
///
/// For objects read by the thousand with a dozen members each (an XGBoost model's trees), scanning a dozen keys
/// costs less than hashing them all into a dictionary that is read once and thrown away, and an array nobody reads
/// is never converted.
public struct JSONMembers: Sendable {
    /// A member's value: parsed, or a typed array not read yet.
    public enum Value: Sendable {
        case parsed(JSONValue)
        case numbers(BinaryNumbers)

        /// The value as JSON: a typed array read into doubles.
        public var parsed: JSONValue {
            switch self {
            case .parsed(let value): value
            case .numbers(let numbers): .numberArray(numbers.doubles)
            }
        }
    }

    public private(set) var members: [(key: String, value: Value)] = []

    public init() {}

    /// An object's members, in the dictionary's order.
    public init(_ object: [String: JSONValue]) {
        members = object.map { ($0.key, .parsed($0.value)) }
    }

    /// The value of the last member named `key`, as a dictionary keeps the last value of a repeated key.
    public subscript(key: String) -> JSONValue? {
        member(key)?.parsed
    }

    /// The last member named `key` as numbers converted by `transform` (`JSONValue.mapNumbers`): a typed array
    /// straight from its stored type, with no array of doubles between.
    @inlinable
    public func mapNumbers<Result>(_ key: String, _ transform: (Double) -> Result) -> [Result]? {
        switch member(key) {
        case .numbers(let numbers): numbers.map(transform)
        case .parsed(let value): value.mapNumbers(transform)
        case nil: nil
        }
    }

    @usableFromInline
    func member(_ key: String) -> Value? {
        members.last(where: { $0.key == key })?.value
    }

    public mutating func append(key: String, value: Value) {
        members.append((key, value))
    }

    /// The members as an object.
    public var object: JSONValue {
        .object(Dictionary(members.lazy.map { ($0.key, $0.value.parsed) }, uniquingKeysWith: { _, last in last }))
    }
}
