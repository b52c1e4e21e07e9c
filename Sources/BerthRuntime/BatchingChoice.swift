import BerthCore

/// Whether a model's small concurrent requests are joined into one kernel call, and why: `BERTH_BATCHING` when set,
/// else the model's kind (`CompiledModel.gainsFromJoinedCalls`) and, where joining can pay, what it was measured to
/// save at load (`JoinedCallSaving`). The `model ready` log line gives the reason.
public struct BatchingChoice: Sendable, CustomStringConvertible {
    public let joins: Bool
    public let description: String

    init(joins: Bool, description: String) {
        self.joins = joins
        self.description = description
    }

    init(configured: Bool?, maxRows: Int, model: any CompiledModel) {
        if let configured {
            self.init(joins: configured, description: "BERTH_BATCHING=\(configured)")
        } else if maxRows < 2 {
            self.init(joins: false, description: "BERTH_MAX_BATCH_ROWS=\(maxRows) joins no two requests")
        } else if model.gainsFromJoinedCalls {
            self.init(measured: JoinedCallSaving(measuring: model, maxRows: maxRows))
        } else {
            self.init(joins: false, description: "a row costs its kernel the same joined or not")
        }
    }

    init(measured saving: JoinedCallSaving) {
        self.init(joins: saving.pays, description: saving.description)
    }
}
