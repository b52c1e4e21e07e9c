/// How a batch transform job packs records into requests: as many as fit in the payload limit, or one each.
public enum BatchStrategy: String, Sendable, CaseIterable {
    case multiRecord = "MULTI_RECORD"
    case singleRecord = "SINGLE_RECORD"

    /// The strategy however it is spelled: `MULTI_RECORD` (SageMaker's environment and `/execution-parameters`),
    /// `MultiRecord` (the CreateTransformJob API), `multi-record`; any case.
    public init?(parsing text: String) {
        switch text.uppercased().filter({ $0 != "_" && $0 != "-" }) {
        case "MULTIRECORD": self = .multiRecord
        case "SINGLERECORD": self = .singleRecord
        default: return nil
        }
    }
}
