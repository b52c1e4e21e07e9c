/// An environment variable with a value Berth cannot use: what stops the server at start, naming the variable
/// and what it accepts.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let variable: String
    public let value: String
    public let expected: String

    public var description: String { "\(variable)=\(value) is not valid: expected \(expected)" }
}
