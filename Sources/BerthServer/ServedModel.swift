import BerthCore
import BerthFormats

/// The model `/invocations` answers with, and what the startup log says about it.
public struct ServedModel: Sendable {
    public let model: any CompiledModel
    /// One entry per model file, in loading order.
    public let files: [(path: String, loaded: LoadedModel)]
    public let backend: String

    public var featureCount: Int { model.featureCount }
    public var outputCount: Int { model.outputCount }
}
