/// A parsed JSON document (or a UBJSON one: both decode to the same tree).
///
/// Model readers and request codecs share this one representation so that a JSON model and a UBJSON
/// model are interpreted by the same code, and so that no module needs Foundation's `JSONSerialization`.
/// Objects keep the last value of a repeated key, as most JSON parsers do.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// An array of numbers kept as one buffer: what UBJSON's typed arrays decode to, without an enum value per
    /// element. Equal to the same numbers as `.array`. (An XGBoost model's trees keep theirs as the document's
    /// bytes instead: `JSONMembers`.)
    case numberArray([Double])
    case object([String: JSONValue])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.object(let a), .object(let b)): a == b
        case (.numberArray(let a), .numberArray(let b)): a == b
        case (.array, .array), (.array, .numberArray), (.numberArray, .array): lhs.array! == rhs.array!
        default: false
        }
    }

    /// The value under `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The number this value holds; booleans count as 0 and 1 (XGBoost ≤ 1.5 wrote `default_left` as booleans).
    public var number: Double? {
        switch self {
        case .number(let value): return value
        case .bool(let flag): return flag ? 1 : 0
        default: return nil
        }
    }

    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var array: [JSONValue]? {
        switch self {
        case .array(let elements): elements
        case .numberArray(let numbers): numbers.map { .number($0) }
        default: nil
        }
    }

    public var object: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// Every element as a number, or nil if this is not an array of numbers (or booleans).
    public var numbers: [Double]? {
        if case .numberArray(let numbers) = self { return numbers }  // the stored array itself, not a copy
        return mapNumbers { $0 }
    }

    /// Every element as a number converted by `transform`, or nil if this is not an array of numbers (or booleans).
    @inlinable
    public func mapNumbers<Result>(_ transform: (Double) -> Result) -> [Result]? {
        switch self {
        case .numberArray(let numbers):
            return numbers.map(transform)
        case .array(let elements):
            var result = [Result]()
            result.reserveCapacity(elements.count)
            for element in elements {
                guard let value = element.number else { return nil }
                result.append(transform(value))
            }
            return result
        default:
            return nil
        }
    }
}
