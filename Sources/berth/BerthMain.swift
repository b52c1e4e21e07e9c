import ArgumentParser

/// The process's entry. SageMaker starts the container as `serve` with no flags, and that goes straight to the
/// server; any other command line is parsed by ArgumentParser (`BerthCommand`).
///
/// Why: parsing builds the whole command tree by reflection (`Mirror`, protocol conformance lookups in a cold
/// process) before the first line of `serve` runs, about 2 ms of a 30 ms cold start on the critical path, since the
/// model load cannot start before it. A bare `serve` has nothing to parse; its errors are reported the way
/// ArgumentParser reports a command's (`exit(withError:)`), so the exit status and message are the same.
@main
enum BerthMain {
    static func main() async {
        guard CommandLine.arguments.dropFirst().elementsEqual(["serve"]) else {
            await BerthCommand.main()
            return
        }
        do {
            try await ServeCommand.serve(modelDirectory: nil, port: nil, host: nil)
        } catch {
            BerthCommand.exit(withError: error)
        }
    }
}
