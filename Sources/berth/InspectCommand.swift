import ArgumentParser
import BerthCodecs
import BerthCore
import BerthFormats
import BerthJSON
import BerthRuntime
import BerthServer
import Logging

/// `berth inspect`: which backend would serve and why, and what the model is and where its batches run — the
/// same decisions `serve` makes at start-up, printed as one JSON object instead of served. On a GPU host,
/// `docker run --gpus all IMAGE inspect` answers "is the GPU being used?" without sending a request.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print the backend serve would bind (CUDA or CPU, and why) and the model's placement, as JSON.",
        discussion: """
            Reads the same environment as serve (BERTH_DEVICE, BERTH_CUDA_MIN_ROWS, BERTH_NVRTC_PATH, \
            CUDA_VISIBLE_DEVICES, SM_MODEL_DIR, …). Exit status: 0, or 2 when BERTH_DEVICE=cuda cannot bind a GPU \
            or the model cannot be loaded.
            """
    )

    @Option(name: .customLong("model-dir"), help: "The model directory (default: SM_MODEL_DIR or /opt/ml/model).")
    var modelDirectory: String?

    @Flag(help: "Report the backend only; do not load the model.")
    var backendOnly = false

    func run() throws {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: .warning) }
        let logger = Logger(label: "berth")
        var configuration: BerthConfiguration
        do {
            configuration = try BerthConfiguration(environment: ProcessEnvironment.current, processorCount: RowParallelism.onlineProcessorCount)
        } catch {
            throw fail("invalid configuration: \(error)")
        }
        if let modelDirectory { configuration.model.directory = modelDirectory }
        var fields: [(String, String)] = [("berth", BerthVersion.description),
                                          ("device_setting", configuration.compute.device.rawValue)]
        let choice: BackendChoice
        do {
            choice = try BackendChoice.choose(configuration: configuration, environment: ProcessEnvironment.current, logger: logger)
        } catch {
            fields.append(("backend", "none"))
            fields.append(("refused", error.description))
            print(Self.object(fields))
            throw ExitCode(2)
        }
        fields.append(("backend", choice.backend.name))
        fields.append(("startup_line", choice.startupLine))
        fields += choice.details.sorted { $0.key < $1.key }
        var schema: (key: String, value: JSONValue)?
        if !backendOnly {
            fields.append(("model_dir", configuration.model.directory))
            // Inspecting serves nothing: no batcher, and no measuring at load of what one would save.
            configuration.batching.enabled = false
            do {
                let served = try ModelLoader(configuration: configuration, backend: choice.backend).load(logger: logger)
                fields += [
                    ("model_format", served.summary.format.description), ("sha256", served.summary.sha256),
                    ("writer", served.summary.writer ?? "unknown"), ("objective", served.summary.objective),
                    ("trees", String(served.summary.treeCount)), ("features", String(served.featureCount)),
                    ("outputs", String(served.outputCount)), ("placement", served.placement.description),
                ]
                if let walk = served.compiled.kernelChoice { fields.append(("tree_walk", walk)) }
                // The features' names, kinds and categories, as JSON (docs/feature-schema.md); of a row too wide to
                // list whose file does not name its features, the columns that are not numerical alone.
                if let described = served.summary.schema {
                    schema = described.isDescribedFeatureByFeature
                        ? ("schema", described.jsonDescription) : ("non_numerical_features", described.nonNumericalDescription)
                }
            } catch {
                fields.append(("model_error", error.description))
                print(Self.object(fields))
                throw ExitCode(2)
            }
        }
        print(Self.object(fields, schema: schema))
    }

    /// A JSON object of strings, keys in the order given, one per line, and the model's schema (under its key) last
    /// when it has one.
    static func object(_ fields: [(String, String)], schema: (key: String, value: JSONValue)? = nil) -> String {
        var lines = fields.map { "  \(JSONText.quoted($0.0)): \(JSONText.quoted($0.1))" }
        if let schema { lines.append("  \(JSONText.quoted(schema.key)): " + String(decoding: schema.value.jsonText, as: UTF8.self)) }
        return "{\n" + lines.joined(separator: ",\n") + "\n}"
    }

    private func fail(_ message: String) -> ExitCode {
        writeStandardError("berth inspect: \(message)\n")
        return ExitCode(2)
    }
}
