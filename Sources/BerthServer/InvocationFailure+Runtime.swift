import BerthCore
import BerthRuntime
import BerthText
import HTTPTypes

/// The statuses and messages the runtime's refusals are answered with.
extension InvocationFailure {
    /// 503 while the model loads (retry), 500 when its load failed: the reason, which may name server paths, is in
    /// the log and in `GET /ping`, not in callers' answers.
    init(_ unavailable: ModelUnavailable) {
        switch unavailable {
        case .loading: self.init(.serviceUnavailable, "the model is still loading; retry once GET /ping answers 200")
        case .failed: self.init(.internalServerError, "the model failed to load; the container log and GET /ping give the reason",
                                reason: .modelFailed)
        }
    }

    /// A refused multi-model load: 400 for a bad name, folder or model, 409 for a name in use, 507 for a model
    /// larger than the whole memory budget.
    init(_ failure: MultiModelLoader.Failure) {
        switch failure {
        case .invalidName:
            self.init(.badRequest, "model_name must be 1 to 1024 printable characters without '/'", reason: .invalidLoadRequest)
        case .outsideModelsRoot(let url):
            self.init(.badRequest, "url \(quoted: url) is not a folder inside the models root (BERTH_MODELS_ROOT; /opt/ml/models on SageMaker)",
                      reason: .invalidLoadRequest)
        case .missingFolder(let url):
            self.init(.badRequest, "url \(quoted: url) does not exist: load a folder that is in the models root (BERTH_MODELS_ROOT; /opt/ml/models on SageMaker)",
                      reason: .invalidLoadRequest)
        case .notAFolder(let url):
            self.init(.badRequest, "url \(quoted: url) is a file: point url at the folder that holds the model (its file, or its model.tar.gz)",
                      reason: .invalidLoadRequest)
        case .alreadyLoaded(let name):
            self.init(.conflict, "model \(quoted: name) is already loaded (or loading): DELETE /models/\(name) first to replace it")
        case .unreadable(let name, let reason):
            self.init(.badRequest, "model \(quoted: name) cannot be loaded: \(reason)", reason: .modelUnreadable)
        case .overBudget(let name, let bytes, let budget):
            self.init(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), """
                model \(quoted: name) needs \(bytes) bytes, more than the whole memory budget of \(budget) (BERTH_MODELS_MEMORY_MB)
                """)
        }
    }
}
