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
    case object([String: JSONValue])

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
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var object: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// Every element as a number, or nil if this is not an array of numbers (or booleans).
    public var numbers: [Double]? {
        guard case .array(let elements) = self else { return nil }
        var result = [Double]()
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let value = element.number else { return nil }
            result.append(value)
        }
        return result
    }
}
