import BerthCore
import BerthJSON
@testable import BerthRuntime
@testable import BerthServer
import BerthTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Starts Berth in-process on an ephemeral loopback port, exactly as `berth serve` builds it, and waits for
/// `/ping` to turn 200 (or to report a failed load) before running the test.
enum TestServer {
    static var fixtures: String { Fixtures.root }

    static func configuration(modelDirectory: String, environment: [String: String] = [:]) throws -> BerthConfiguration {
        var configuration = try BerthConfiguration(environment: environment, processorCount: 2)
        configuration.model.directory = modelDirectory
        configuration.serving.host = "127.0.0.1"
        configuration.serving.port = 0
        return configuration
    }

    static func run(modelDirectory: String, environment: [String: String] = [:], expectReady: Bool = true,
                    configure: (inout BerthConfiguration) -> Void = { _ in },
                    _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "berth-test")
        logger.logLevel = .critical
        var configuration = try configuration(modelDirectory: modelDirectory, environment: environment)
        configure(&configuration)
        let app = BerthApplication.build(configuration: configuration, logger: logger, backend: try backend(for: configuration))
        try await app.test(.live) { client in
            try await waitForLoad(client, expectReady: expectReady)
            try await test(client)
        }
    }

    /// The backend `berth serve` would bind. Without a GPU that is the CPU; on a GPU machine,
    /// `BERTH_DEVICE=cuda swift test` runs every server test's model on the GPU.
    static func backend(for configuration: BerthConfiguration) throws -> any Backend {
        var configuration = configuration
        if let device = ProcessEnvironment.current["BERTH_DEVICE"].flatMap(DeviceSelection.init(rawValue:)) {
            configuration.compute.device = device
        }
        var logger = Logger(label: "berth-test")
        logger.logLevel = .critical
        return try BackendChoice.choose(configuration: configuration, environment: ProcessEnvironment.current, logger: logger).backend
    }

    /// Polls `/ping` until the load has finished one way or the other (at most 20 s).
    static func waitForLoad(_ client: some TestClientProtocol, expectReady: Bool) async throws {
        for _ in 0..<400 {
            let response = try await client.execute(uri: "/ping", method: .get)
            if response.status == .ok { return }
            let reason = String(buffer: response.body)
            if !reason.hasPrefix("loading model") {
                if expectReady { Issue.record("model failed to load: \(reason)") }
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the model did not finish loading in 20 s")
    }

    static func manifest(_ fixture: String) throws -> JSONValue {
        try JSONReader.parse(try bytes(fixtures + "/" + fixture + "/manifest.json"))
    }

    static func bytes(_ path: String) throws -> [UInt8] { try Fixtures.bytes(path) }
}

extension String {
    init(buffer: ByteBuffer) {
        self = buffer.getString(at: buffer.readerIndex, length: buffer.readableBytes) ?? ""
    }
}
