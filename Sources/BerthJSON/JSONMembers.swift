/// An object's members in the order the document wrote them, looked up by scanning.
///
/// For objects read by the thousand with a dozen members each (an XGBoost model's trees), scanning a dozen keys
/// costs less than hashing them all into a dictionary that is read once and thrown away.
public struct JSONMembers: Sendable {
    public private(set) var members: [(key: String, value: JSONValue)] = []

    public init() {}

    /// An object's members, in the dictionary's order.
    public init(_ object: [String: JSONValue]) {
        members = object.map { ($0.key, $0.value) }
    }

    /// The value of the last member named `key`, as a dictionary keeps the last value of a repeated key.
    public subscript(key: String) -> JSONValue? {
        members.last(where: { $0.key == key })?.value
    }

    public mutating func append(key: String, value: JSONValue) {
        members.append((key, value))
    }

    /// The members as an object.
    public var object: JSONValue {
        .object(Dictionary(members, uniquingKeysWith: { _, last in last }))
    }
}
