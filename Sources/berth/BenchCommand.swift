import ArgumentParser
import BerthCodecs
import BerthCore
import BerthJSON
import BerthRuntime
import BerthServer
import FoundationEssentials
import Logging

/// `berth bench`: times one stage of Berth on given inputs and prints the median — the numbers the scripts in
/// Benchmarks/ compare with other runtimes in the same run. Stages: the model's kernel on rows (like
/// `Booster.inplace_predict` or `InferenceSession.run`: no HTTP, no codec), a request decoder, a response
/// encoder, or loading the model directory.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time one stage (kernel, decode, encode or load) and print the median per input.",
        discussion: """
            kernel and encode read rows from .npy files (kernel --explain times an explanation instead of the \
            prediction); decode reads request bodies of --content-type as a request's decode stage does (the decoder, then \
            the infinite-value check); load times reading and compiling the model \
            directory. BERTH_THREADS sets the threads and BERTH_DEVICE the device, as \
            for serve; the backend's startup line goes to standard error.
            """
    )

    enum Stage: String, ExpressibleByArgument, CaseIterable {
        case kernel, decode, encode, load
    }

    @Option(help: "What to time: kernel (default), decode, encode or load.")
    var stage = Stage.kernel

    @Option(name: .customLong("model-dir"), help: "The model directory.")
    var modelDirectory: String

    @Option(name: .customLong("content-type"), help: "For decode: the bodies' content type.")
    var contentType = "text/csv"

    @Option(help: "For encode: the response content type.")
    var accept = "text/csv"

    @Option(help: "For kernel: time this explanation (contributions, leaves or margin) instead of the prediction.")
    var explain: String?

    @Option(help: "Seconds to spend timing each input (after a warm-up).")
    var seconds = 2.0

    @Flag(help: "Print one JSON object per input instead of a table.")
    var json = false

    @Argument(help: "Inputs: .npy rows for kernel and encode, request bodies for decode, none for load.")
    var inputs: [String] = []

    func validate() throws {
        guard seconds.isFinite, (0...86_400).contains(seconds) else { throw ValidationError("--seconds must be from 0 to 86400") }
        guard stage == .load || !inputs.isEmpty else {
            throw ValidationError("--stage \(stage.rawValue) times inputs: name at least one (\(stage == .decode ? "request bodies" : ".npy rows"))")
        }
    }

    func run() throws {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: .warning) }
        var configuration = try BerthConfiguration(environment: ProcessEnvironment.current, processorCount: RowParallelism.onlineProcessorCount)
        configuration.model.directory = modelDirectory
        let choice: BackendChoice
        do {
            choice = try BackendChoice.choose(configuration: configuration, environment: ProcessEnvironment.current, logger: Logger(label: "berth"))
        } catch {
            writeStandardError("berth bench: \(error.description)\n")
            throw ExitCode(2)
        }
        writeStandardError(choice.startupLine + "\n")
        let loader = ModelLoader(configuration: configuration, backend: choice.backend)
        let served: ServedModel
        do {
            served = try loader.load(logger: Logger(label: "berth"))
        } catch {
            writeStandardError("berth bench: the model cannot be loaded: \(error.description)\n")
            throw ExitCode(2)
        }
        if !json { print("stage\tinput\trows\tmedian µs\trows/s") }
        if stage == .load {
            let median = Self.median(seconds: seconds) { _ = try? loader.load(logger: Logger(label: "berth")) }
            report(input: modelDirectory, rows: 0, microseconds: median)
            return
        }
        var pipeline = InferencePipeline(model: served, configuration: configuration)
        let requestFormat = try RequestFormat.negotiate(contentType: contentType)
        if requestFormat == .csv, let header = try CSVHeader.parameter(ofContentType: contentType) {
            pipeline.decoding.csvHeader = header
        }
        for input in inputs {
            guard let data = FileManager.default.contents(atPath: input) else { throw ValidationError("cannot read \(input)") }
            do {
                try time([UInt8](data), from: input, pipeline: pipeline, requestFormat: requestFormat, served: served)
            } catch let error as CodecError {
                throw ValidationError("\(input): \(error.message)")
            } catch let error as ExplanationRefusal {
                throw ValidationError("\(input): \(error.reason)")
            }
        }
    }

    /// Times this stage on one input's bytes and reports it.
    private func time(_ bytes: [UInt8], from input: String, pipeline: InferencePipeline, requestFormat: RequestFormat,
                      served: ServedModel) throws {
        switch stage {
        case .decode:
            // The server's decode stage as a request meets it: the decoder, then the infinite-value check.
            let rows = try bytes.withUnsafeBytes { body in try pipeline.decode(body, from: requestFormat).rowCount }
            report(input: input, rows: rows, microseconds: Self.median(seconds: seconds) {
                _ = bytes.withUnsafeBytes { body in try? pipeline.decode(body, from: requestFormat) }
            })
        case .kernel, .encode:
            let batch = try NPYDecoder(options: pipeline.decoding).decode(bytes, featureCount: served.featureCount)
            if stage == .kernel, let explain {
                guard let kind = ExplanationKind(rawValue: explain) else {
                    throw ValidationError("--explain must be one of \(ExplanationKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                _ = try served.compiled.explain(batch, as: kind)
                report(input: input, rows: batch.rowCount, microseconds: Self.median(seconds: seconds) { _ = try? served.compiled.explain(batch, as: kind) })
            } else if stage == .kernel {
                report(input: input, rows: batch.rowCount, microseconds: Self.median(seconds: seconds) { _ = served.compiled.predict(batch) })
            } else {
                let predictions = served.compiled.predict(batch)
                let encoder = try ResponseFormat.negotiate(accept: accept, defaultFormat: .csv).encoder(options: pipeline.encoding)
                report(input: input, rows: batch.rowCount, microseconds: Self.median(seconds: seconds) {
                    var output = [UInt8]()
                    encoder.encode(predictions, into: &output)
                })
            }
        case .load:
            break
        }
    }

    private func report(input: String, rows: Int, microseconds: Double) {
        let rate = rows > 0 ? Double(rows) / (microseconds / 1e6) : 0
        if json {
            let quotedInput = String(decoding: JSONValue.string(input).jsonText, as: UTF8.self)
            print(#"{"stage": "\#(stage.rawValue)", "input": \#(quotedInput), "rows": \#(rows), "median_us": \#(microseconds), "rows_per_s": \#(rate)}"#)
        } else {
            print("\(stage.rawValue)\t\(input)\t\(rows)\t\(Int(microseconds))\t\(Int(rate))")
        }
    }

    /// The median duration of `body` in microseconds, after three warm-up calls, over at least `seconds` and 5 runs.
    static func median(seconds: Double, _ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        for _ in 0..<3 { body() }
        var samples = [Duration]()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        while clock.now < deadline || samples.count < 5 {
            let start = clock.now
            body()
            samples.append(clock.now - start)
        }
        samples.sort()
        let median = samples[samples.count / 2]
        return median.inSeconds * 1e6
    }
}
