#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import BerthArtifacts
import Dispatch
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
            Exit status: 0 when every file succeeded, 1 when any failed, 2 when the model cannot be loaded, 64 for a usage \
            error, 130 (143) when interrupted by SIGINT (SIGTERM), 74 when another program truncates an input while it \
            is read; the .partial files removed in those three cases.
            """
    )

    @Option(name: .customLong("model-dir"), help: "The model directory (default: SM_MODEL_DIR or /opt/ml/model).")
    var modelDirectory: String?

    @Option(name: .customLong("content-type"), help: "The inputs' content type, parameters included (\"text/csv; header=present\"; default: text/csv).")
    var contentType = "text/csv"

    @Option(help: "The outputs' content type (default: SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT or text/csv).")
    var accept: String?

    @Option(name: .customLong("batch-strategy"), help: "MultiRecord or SingleRecord (default: SAGEMAKER_BATCH_STRATEGY, or MultiRecord).")
    var batchStrategy: String?

    @Option(name: .customLong("max-payload-mb"), help: "The largest request in MB, as MaxPayloadInMB; 0 = unlimited (default: SAGEMAKER_MAX_PAYLOAD_IN_MB, or 6).")
    var maxPayloadMB: Int?

    @Option(help: "The folder for the .out files (default: beside each input).")
    var output: String?

    @Option(help: "Explain each prediction: contributions, leaves or margin (default: BERTH_EXPLAIN, or none).")
    var explain: String?

    @Argument(help: "Input files or folders.")
    var inputs: [String]

    func run() throws {
        LargeAllocations.returnToTheSystemWhenFreed()
        let interruptions = Self.removePartialFilesWhenInterrupted()
        defer { interruptions.forEach { $0.cancel() } }
        ShrunkInputHandler.install()
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
        var csvHeader: CSVHeader?
        do throws(CodecError) {
            requestFormat = try RequestFormat.negotiate(contentType: contentType)
            responseFormat = try ResponseFormat.negotiate(accept: accept, defaultFormat: configuration.serving.defaultAccept)
            if requestFormat == .csv { csvHeader = try CSVHeader.parameter(ofContentType: contentType) }
        } catch {
            throw ValidationError(error.message)
        }
        var strategy = configuration.batchTransform.strategy
        if let batchStrategy {
            guard let chosen = BatchStrategy(parsing: batchStrategy) else { throw ValidationError("--batch-strategy must be MultiRecord or SingleRecord") }
            strategy = chosen
        }
        var payloadLimit = configuration.serving.payloadLimit
        if let maxPayloadMB {
            guard (0...1 << 20).contains(maxPayloadMB) else { throw ValidationError("--max-payload-mb must be in 0…1048576, as SAGEMAKER_MAX_PAYLOAD_IN_MB") }
            payloadLimit = PayloadLimit(megabytes: maxPayloadMB)
        }
        let files = try inputFiles()

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
        // A job answers one request at a time (`InferencePipeline` predicts alone): no batcher, and no measuring at
        // load of what one would save.
        configuration.batching.enabled = false
        do {
            model = try ModelLoader(configuration: configuration, backend: choice.backend).load(logger: logger)
        } catch {
            throw fail("the model cannot be loaded: \(error.description)", status: 2)
        }
        var pipeline = InferencePipeline(model: model, configuration: configuration)
        if let csvHeader { pipeline.decoding.csvHeader = csvHeader }
        let job = LocalBatchTransform(pipeline: pipeline, requestFormat: requestFormat, responseFormat: responseFormat, strategy: strategy,
                                      payloadLimit: payloadLimit)
        if let output {
            do {
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            } catch {
                throw fail("cannot create the output folder \(output): \(Self.reason(error)); choose a folder you can write", status: 1)
            }
        }
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
                say("FAILED \(file.input): \(failure)")
            } else {
                let rate = result.seconds > 0 ? Int(Double(result.records) / result.seconds) : 0
                say("ok     \(file.input) → \(file.output): \(result.records) records in \(result.requests) requests, \(String(format2: result.seconds)) s (\(rate) records/s)")
            }
        }
        if failed > 0 {
            print("\(failed) of \(files.count) files failed; no .out was written for them")
            throw ExitCode(1)
        }
    }

    /// Every input file and the `.out` path its answers go to. Folders are read recursively, links to folders
    /// followed, except a link back to a folder it is inside (a loop); two inputs that would write one `.out`
    /// (`--output` with `a/x.csv` and `b/x.csv`) are refused before anything runs.
    private func inputFiles() throws -> [(input: String, output: String)] {
        var files = [(input: String, output: String)]()
        func walk(_ folder: String, relative: String, inside: Set<String>) throws {
            let real = realPath(folder)
            guard !inside.contains(real) else { return }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: folder)
            } catch {
                throw ValidationError("cannot read the folder \(folder): \(Self.reason(error))")
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                let path = folder + "/" + name, child = relative.isEmpty ? name : relative + "/" + name
                if isFolder(path) {
                    try walk(path, relative: child, inside: inside.union([real]))
                } else if isRegularFile(path) && !name.hasSuffix(".out") && !name.hasSuffix(".partial") {
                    files.append((path, output.map { $0 + "/" + child + ".out" } ?? path + ".out"))
                }
            }
        }
        for input in inputs {
            guard FileManager.default.fileExists(atPath: input) else { throw ValidationError("\(input) does not exist") }
            if isFolder(input) {
                try walk(input, relative: "", inside: [])
            } else {
                let name = input.split(separator: "/").last.map(String.init) ?? input
                files.append((input, output.map { $0 + "/" + name + ".out" } ?? input + ".out"))
            }
        }
        guard !files.isEmpty else { throw ValidationError("no input files found in \(inputs.joined(separator: ", "))") }
        var writers = [String: String]()
        for file in files {
            // Compared where they land: `out/./a.csv.out` and a link's path are the same file as `out/a.csv.out`.
            let slash = file.output.lastIndex(of: "/")
            let landing = slash.map { realPath(String(file.output[..<$0])) + file.output[$0...] } ?? realPath(".") + "/" + file.output
            if let other = writers.updateValue(file.input, forKey: landing) {
                throw ValidationError("\(other) and \(file.input) would both write \(file.output): give them different names, or run them apart")
            }
        }
        return files
    }

    /// Whether `path` is a regular file, or a link to one: FIFOs, devices and sockets in a folder are skipped.
    private func isRegularFile(_ path: String) -> Bool {
        if case .file? = FileSystem.kind(of: path, followLinks: true) { true } else { false }
    }

    /// Whether `path` is a folder, or a link to one.
    private func isFolder(_ path: String) -> Bool {
        if case .directory? = FileSystem.kind(of: path, followLinks: true) { true } else { false }
    }

    /// `path` with every link resolved, or as written when it does not resolve.
    private func realPath(_ path: String) -> String {
        FileSystem.realPath(path) ?? path
    }

    /// On SIGINT (Ctrl-C) or SIGTERM, removes the `.partial` files being written and exits 130 or 143, as a shell
    /// reports those signals: an interrupted job leaves no partial output behind. The sources must stay alive.
    private static func removePartialFilesWhenInterrupted() -> [any DispatchSourceSignal] {
        [(SIGINT, Int32(130)), (SIGTERM, Int32(143))].map { signalNumber, status in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                writeStandardError("\nberth predict: interrupted\(PendingOutputFile.removeAllInProgressNamingThem())\n")
                _exit(status)
            }
            source.resume()
            return source
        }
    }

    /// Prints one summary line at once, also when standard output is a file or a pipe (block-buffered otherwise,
    /// so a job's log would show nothing until it ends, and lose its lines if killed).
    private func say(_ line: String) {
        print(line)
        fflush(nil)
    }

    /// A Foundation error as a person reads it: the POSIX reason when there is one.
    private static func reason(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError, let posix = cocoa.underlying as? POSIXError {
            return String(cString: strerror(posix.code.rawValue))
        }
        return "\(error)"
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
        let seconds = elapsed.inSeconds
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
