import BerthRuntime

/// The body of `GET /execution-parameters`, which batch transform reads before its first request (BT-3).
///
/// The keys and the `MULTI_RECORD` spelling are the ones the official XGBoost container returns; SageMaker
/// gives a job's own settings precedence over these.
struct ExecutionParameters {
    let maxConcurrentTransforms: Int
    let batchStrategy: String
    let maxPayloadInMB: Int

    init(_ configuration: BerthConfiguration) {
        maxConcurrentTransforms = configuration.batchTransform.maxConcurrentTransforms
        batchStrategy = configuration.batchTransform.strategy.rawValue
        maxPayloadInMB = configuration.serving.payloadLimit.megabytes
    }

    var json: String {
        #"{"MaxConcurrentTransforms": \#(maxConcurrentTransforms), "BatchStrategy": "\#(batchStrategy)", "MaxPayloadInMB": \#(maxPayloadInMB)}"#
    }
}
