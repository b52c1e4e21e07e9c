#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import BerthCodecs
import BerthCore
import BerthRuntime
import BerthServer
import FoundationEssentials
import Logging

/// `berth predict`: run a batch transform job on local files, with the server's codecs and kernel.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run a batch transform job on local files: write <input>.out for each input, as SageMaker does.",
        discussion: """
            Each INPUT is a file or a folder (read recursively; .out files are skipped). Line-oriented inputs (CSV, \
            JSON Lines, libsvm) are split at line ends like SplitType=Line; RecordIO at record boundaries; JSON and \
            NPY files are one request each. SAGEMAKER_INFERENCE_OUTPUT and the other variables of `berth serve` apply. \
            Exit status: 0 when every file succeeded, 1 when any failed, 2 when the model cannot be loaded.
            """
    )

    @Option(name: .customLong("model-dir"), help: "The model directory (default: SM_MODEL_DIR or /opt/ml/model).")
    var modelDirectory: String?

    @Option(name: .customLong("content-type"), help: "The inputs' content type (default: text/csv).")
    var contentType = "text/csv"

    @Option(help: "The outputs' content type (default: SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT or text/csv).")
    var accept: String?

    @Option(name: .customLong("batch-strategy"), help: "MultiRecord (default) or SingleRecord.")
    var batchStrategy = "MultiRecord"

    @Option(name: .customLong("max-payload-mb"), help: "The largest request in MB, as MaxPayloadInMB (default 6; 0 = unlimited).")
    var maxPayloadMB = 6

    @Option(help: "The folder for the .out files (default: beside each input).")
    var output: String?

    @Option(help: "Explain each prediction: contributions, leaves or margin (default: BERTH_EXPLAIN, or none).")
    var explain: String?

    @Argument(help: "Input files or folders.")
    var inputs: [String]

    func run() throws {
        LargeAllocations.returnToTheSystemWhenFreed()
        var configuration: BerthConfiguration
        do {
            configuration = try BerthConfiguration(environment: ProcessEnvironment.current, processorCount: RowParallelism.onlineProcessorCount)
        } catch {
            throw fail("invalid configuration: \(error)", status: 2)
        }
        if let modelDirectory { configuration.model.directory = modelDirectory }
        configuration.batchTransform.enabled = true
        if let explain {
            guard let kind = ExplanationKind(rawValue: explain) else {
                throw ValidationError("--explain must be one of \(ExplanationKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            configuration.serving.explain = kind
        }
        let requestFormat: RequestFormat
        let responseFormat: ResponseFormat
        do throws(CodecError) {
            requestFormat = try RequestFormat.negotiate(contentType: contentType)
            responseFormat = try ResponseFormat.negotiate(accept: accept, defaultFormat: configuration.serving.defaultAccept)
        } catch {
            throw ValidationError(error.message)
        }
        guard let strategy = BatchStrategy(parsing: batchStrategy) else {
            throw ValidationError("--batch-strategy must be MultiRecord or SingleRecord")
        }
        guard (0...100_000).contains(maxPayloadMB) else { throw ValidationError("--max-payload-mb must be in 0…100000") }

        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: .warning) }
        let logger = Logger(label: "berth")
        let choice: BackendChoice
        do {
            choice = try BackendChoice.choose(configuration: configuration, environment: ProcessEnvironment.current, logger: logger)
        } catch {
            throw fail(error.description, status: 2)
        }
        writeStandardError(choice.startupLine + "\n")
        let model: ServedModel
        do {
            model = try ModelLoader(configuration: configuration, backend: choice.backend).load(logger: logger)
        } catch {
            throw fail("the model cannot be loaded: \(error.description)", status: 2)
        }
        let job = LocalBatchTransform(pipeline: InferencePipeline(model: model, configuration: configuration),
                                      requestFormat: requestFormat, responseFormat: responseFormat, strategy: strategy,
                                      payloadLimit: PayloadLimit(megabytes: maxPayloadMB))
        let files = try inputFiles()
        guard !files.isEmpty else { throw ValidationError("no input files found in \(inputs.joined(separator: ", "))") }
        if let output { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) }
        var failed = 0
        for file in files {
            if let folder = file.output.parentFolder, !folder.isEmpty {
                try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            let bar = ProgressBar(label: file.input)
            let result = job.run(input: file.input, output: file.output) { done, total, records in
                bar.update(done: done, total: total, records: records)
            }
            bar.finish()
            if let failure = result.failure {
                failed += 1
                print("FAILED \(file.input): \(failure)")
            } else {
                let rate = result.seconds > 0 ? Int(Double(result.records) / result.seconds) : 0
                print("ok     \(file.input) → \(file.output): \(result.records) records in \(result.requests) requests, \(String(format2: result.seconds)) s (\(rate) records/s)")
            }
        }
        if failed > 0 {
            print("\(failed) of \(files.count) files failed; no .out was written for them")
            throw ExitCode(1)
        }
    }

    /// Every input file and the `.out` path its answers go to.
    private func inputFiles() throws -> [(input: String, output: String)] {
        var files = [(input: String, output: String)]()
        for input in inputs {
            guard FileManager.default.fileExists(atPath: input) else { throw ValidationError("\(input) does not exist") }
            if !isFolder(input) {
                let name = input.split(separator: "/").last.map(String.init) ?? input
                files.append((input, output.map { $0 + "/" + name + ".out" } ?? input + ".out"))
                continue
            }
            let relatives = try FileManager.default.subpathsOfDirectory(atPath: input).sorted()
            for relative in relatives where !relative.hasSuffix(".out") && !relative.hasSuffix(".partial")
                && !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                let path = input + "/" + relative
                guard !isFolder(path) else { continue }
                files.append((path, output.map { $0 + "/" + relative + ".out" } ?? path + ".out"))
            }
        }
        return files
    }

    private func isFolder(_ path: String) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeDirectory
    }

    private func fail(_ message: String, status: Int32) -> ExitCode {
        writeStandardError("berth predict: \(message)\n")
        return ExitCode(status)
    }
}

extension String {
    /// The folder part of a path.
    fileprivate var parentFolder: String? {
        guard let slash = lastIndex(of: "/") else { return nil }
        return String(self[..<slash])
    }

    /// The number with two decimals.
    fileprivate init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        self = "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }
}

/// A one-line progress bar with records per second on stderr, drawn only when stderr is a terminal.
final class ProgressBar {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) == 1
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastDraw: ContinuousClock.Instant

    init(label: String) {
        self.label = label
        start = clock.now
        lastDraw = start
    }

    func update(done: Int, total: Int, records: Int) {
        guard enabled, clock.now - lastDraw > .milliseconds(100) || done == total else { return }
        lastDraw = clock.now
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(records) / seconds) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        writeStandardError("\r\(label.suffix(40)) [\(bar)] \(Int(fraction * 100))% \(records) records \(rate) records/s")
    }

    func finish() {
        if enabled { writeStandardError("\r\u{1B}[K") }
    }
}

/// Writes `text` to file descriptor 2 unbuffered (progress, and the backend line of `predict` and `bench`).
func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
