/// The largest request body. SageMaker states it in whole megabytes (MiB), 0 meaning no limit
/// (`SAGEMAKER_MAX_PAYLOAD_IN_MB`, a batch transform job's `MaxPayloadInMB`, `berth predict --max-payload-mb`).
public struct PayloadLimit: Sendable, Equatable, CustomStringConvertible {
    /// SageMaker's documented maximum for a real-time request: 6 MB.
    public static let sageMakerDefault = PayloadLimit(megabytes: 6)

    /// The limit in bytes; nil when there is none.
    public let bytes: Int?

    /// `megabytes` MiB; 0 is no limit, as SageMaker has it.
    public init(megabytes: Int) {
        bytes = megabytes == 0 ? nil : megabytes << 20
    }

    /// A limit that is not a whole number of megabytes (tests use small ones); nil is no limit.
    public init(bytes: Int?) {
        self.bytes = bytes
    }

    /// What `/execution-parameters` reports as `MaxPayloadInMB`: whole MiB, rounded up; 0 when unlimited.
    public var megabytes: Int { bytes.map { ($0 + (1 << 20) - 1) >> 20 } ?? 0 }

    /// Whether a body of `count` bytes fits.
    public func allows(_ count: Int) -> Bool { bytes.map { count <= $0 } ?? true }

    /// "6 MB", "1000 bytes" or "unlimited".
    public var description: String {
        guard let bytes else { return "unlimited" }
        return bytes % (1 << 20) == 0 ? "\(bytes >> 20) MB" : "\(bytes) bytes"
    }
}
