import BerthRuntime
import HTTPTypes

extension ModelState {
    /// The model to answer `/invocations` with, or the failure that tells the caller why there is none.
    func servedModel() throws(InvocationFailure) -> ServedModel {
        switch current {
        case .loading:
            throw InvocationFailure(.serviceUnavailable, "the model is still loading; retry once GET /ping answers 200")
        case .failed:
            // The reason (which may name server paths) is in the log and in GET /ping, not in callers' answers.
            throw InvocationFailure(.internalServerError, "the model failed to load; the container log and GET /ping give the reason")
        case .ready(let model):
            return model
        }
    }
}
