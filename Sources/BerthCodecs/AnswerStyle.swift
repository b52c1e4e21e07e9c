/// Which server's JSON answers Berth writes (`BERTH_ANSWER_STYLE`), so an endpoint can move to Berth without
/// changing its clients.
public enum AnswerStyle: String, Sendable, CaseIterable {
    /// The official SageMaker XGBoost container's: `{"predictions": [{"score": …}, …]}` (the default).
    case sageMaker = "sagemaker"
    /// The inference scripts of SageMaker JumpStart's tabular algorithms (LightGBM, CatBoost):
    /// `{"probabilities-1d": …, "probabilities": …}` or `{"prediction": …}` (`JumpStartJSONEncoder`).
    case jumpStart = "jumpstart"

    /// Whether an Accept header asks for JumpStart's verbose answer (`application/json;verbose`), which adds
    /// `predicted_label` — and, as only JumpStart's clients send it, means JumpStart's answer whatever the style.
    public static func asksVerbose(accept: String?) -> Bool {
        // Every request asks this; only a header with a parameter can say it, so most are answered without parsing.
        guard let accept, accept.utf8.contains(UInt8(ascii: ";")) else { return false }
        return accept.split(separator: ",").contains { range in
            guard let type = MediaType(parsing: range) else { return false }
            return type.essence == "application/json" && type.parameters["verbose"] != nil
        }
    }
}
