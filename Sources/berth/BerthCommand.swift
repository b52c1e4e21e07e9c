import ArgumentParser

/// `berth`: the command line. SageMaker runs the container as `docker run IMAGE serve`, so `serve` is the
/// subcommand that matters there; `predict` runs a batch transform job on local files, `bench` times one stage, and
/// `inspect` reports the backend and the model's placement. Anything else prints usage and exits non-zero (LC-1, LC-2).
/// `BerthMain` is the entry, and hands every command line but a bare `serve` to it.
struct BerthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "A SageMaker-compatible model server for XGBoost, LightGBM, CatBoost and ONNX models.",
        version: BerthVersion.description,
        subcommands: [ServeCommand.self, PredictCommand.self, BenchCommand.self, InspectCommand.self]
    )

    /// `berth` alone: usage, and a non-zero exit, since nothing was asked.
    func run() async throws {
        throw ValidationError("name a subcommand: serve, predict, bench or inspect")
    }
}
