#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BerthJSON
import FoundationEssentials
import Logging

/// Writes each log record as one JSON object on one line of stdout, flushed at once (ENV-4: CloudWatch reads
/// stdout, and buffered lines die with the process).
///
/// `{"time":"2026-11-25T15:11:33.120Z","level":"info","label":"berth","message":"…","metadata":{…}}`. One
/// `write(2)` per line, so lines from different threads never interleave.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let label: String
    private let output: Int32

    public init(label: String, level: Logger.Level = .info, fileDescriptor: Int32 = STDOUT_FILENO) {
        self.label = label
        self.logLevel = level
        self.output = fileDescriptor
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error { merged["error"] = .string("\(error)") }
        var line = [UInt8]()
        line.reserveCapacity(256)
        line.append(contentsOf: #"{"time":"#.utf8)
        JSONText.appendString(Self.timestamp(), to: &line)
        line.append(contentsOf: #","level":"#.utf8)
        JSONText.appendString(event.level.rawValue, to: &line)
        line.append(contentsOf: #","label":"#.utf8)
        JSONText.appendString(label, to: &line)
        line.append(contentsOf: #","message":"#.utf8)
        JSONText.appendString(event.message.description, to: &line)
        if !merged.isEmpty {
            line.append(contentsOf: #","metadata":"#.utf8)
            Self.append(.dictionary(merged), to: &line)
        }
        line.append(contentsOf: "}\n".utf8)
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(output, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }

    private static func append(_ value: Logger.Metadata.Value, to line: inout [UInt8]) {
        switch value {
        case .string(let text): JSONText.appendString(text, to: &line)
        case .stringConvertible(let convertible): JSONText.appendString(convertible.description, to: &line)
        case .array(let elements):
            line.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { line.append(UInt8(ascii: ",")) }
                append(element, to: &line)
            }
            line.append(UInt8(ascii: "]"))
        case .dictionary(let members):
            line.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { line.append(UInt8(ascii: ",")) }
                JSONText.appendString(key, to: &line)
                line.append(UInt8(ascii: ":"))
                append(members[key]!, to: &line)
            }
            line.append(UInt8(ascii: "}"))
        }
    }

    /// UTC, ISO 8601, milliseconds — computed from the Unix time with civil-calendar arithmetic (no libc `tm`,
    /// whose fields SwiftNIO's C module re-exports under another owner).
    static func timestamp() -> String {
        let milliseconds = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let dayMilliseconds = milliseconds - days * 86_400_000
        // Days since 1970-01-01 to year, month, day (the proleptic Gregorian calendar).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(dayMilliseconds / 3_600_000, 2)):"
            + "\(pad(dayMilliseconds / 60_000 % 60, 2)):\(pad(dayMilliseconds / 1000 % 60, 2)).\(pad(dayMilliseconds % 1000, 3))Z"
    }
}
