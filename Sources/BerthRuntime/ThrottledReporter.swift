import Logging
import NIOConcurrencyHelpers

/// Logs what the GPU backend reports as warnings, each distinct line at most once a minute, so a GPU that fails
/// every batch does not flood the log.
final class ThrottledReporter: Sendable {
    private let logger: Logger
    private let lastLogged = NIOLockedValueBox<[String: ContinuousClock.Instant]>([:])

    init(logger: Logger) {
        self.logger = logger
    }

    func report(_ line: String) {
        let now = ContinuousClock.now
        let due = lastLogged.withLockedValue { logged in
            if let last = logged[line], now - last < .seconds(60) { return false }
            logged[line] = now
            return true
        }
        if due { logger.warning("\(line)") }
    }
}
