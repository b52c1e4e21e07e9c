import ArgumentParser
import BerthCodecs
import BerthCore
import BerthServer
import FoundationEssentials
import Logging

/// `berth bench`: times the model's kernel on given rows — the number Benchmarks/ scripts compare with other
/// runtimes in the same run. It measures prediction only (no HTTP, no codec), like `Booster.inplace_predict` or
/// `InferenceSession.run`.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time predictions of the model on rows from .npy files and print the median latency per batch.",
        discussion: "Each INPUT is an .npy array of rows × features; BERTH_THREADS sets the threads, as for serve."
    )

    @Option(name: .customLong("model-dir"), help: "The model directory.")
    var modelDirectory: String

    @Option(help: "Seconds to spend timing each input (after a warm-up).")
    var seconds = 2.0

    @Flag(help: "Print one JSON object per input instead of a table.")
    var json = false

    @Argument(help: ".npy files of rows × features.")
    var inputs: [String]

    func run() throws {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: .warning) }
        var configuration = try ServerConfiguration(environment: ProcessEnvironment.current, processorCount: RowParallelism.onlineProcessorCount)
        configuration.modelDirectory = modelDirectory
        let backend = CPUBackend(parallelism: RowParallelism(threadCount: configuration.threadCount))
        let served: ServedModel
        do {
            served = try ModelLoader(configuration: configuration, backend: backend).load(logger: Logger(label: "berth"))
        } catch {
            throw ValidationError("the model cannot be loaded: \(error.description)")
        }
        if !json { print("input\trows\tmedian µs\trows/s") }
        for input in inputs {
            guard let data = FileManager.default.contents(atPath: input) else { throw ValidationError("cannot read \(input)") }
            let batch: FeatureBatch
            do {
                batch = try NPYDecoder().decode([UInt8](data), featureCount: served.featureCount)
            } catch {
                throw ValidationError("\(input): \(error.message)")
            }
            let clock = ContinuousClock()
            for _ in 0..<3 { _ = served.model.predict(batch) }
            var samples = [Duration]()
            let deadline = clock.now + .milliseconds(Int(seconds * 1000))
            while clock.now < deadline || samples.count < 5 {
                let start = clock.now
                let predictions = served.model.predict(batch)
                samples.append(clock.now - start)
                precondition(predictions.rowCount == batch.rowCount)
            }
            samples.sort()
            let median = samples[samples.count / 2]
            let microseconds = Double(median.components.seconds) * 1e6 + Double(median.components.attoseconds) / 1e12
            let rate = Double(batch.rowCount) / (microseconds / 1e6)
            if json {
                print(#"{"input": "\#(input)", "rows": \#(batch.rowCount), "median_us": \#(microseconds), "rows_per_s": \#(rate), "samples": \#(samples.count)}"#)
            } else {
                print("\(input)\t\(batch.rowCount)\t\(Int(microseconds))\t\(Int(rate))")
            }
        }
    }
}
