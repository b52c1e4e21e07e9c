import Foundation

/// A plain blocking TCP connection to the test server, for what an HTTP client library will not do: send part
/// of a body and stop, or announce a body and never send it.
final class RawConnection {
    private let socketDescriptor: Int32

    init(port: Int) throws {
        socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(socketDescriptor) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(socketDescriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything the server sends within `seconds`, or until it closes the connection.
    func read(for seconds: Double) async throws -> String {
        String(decoding: try await receive(for: seconds).bytes, as: UTF8.self)
    }

    /// What the server sends until it has sent a response head (up to its blank line), within `seconds` — as soon
    /// as it has, so a loaded machine's slow answer still arrives and a quick one is not waited out.
    func readHead(within seconds: Double) async throws -> String {
        let blankLine = Array("\r\n\r\n".utf8)
        let received = try await receive(for: seconds) { bytes in
            bytes.count >= 4 && (0...(bytes.count - 4)).contains { Array(bytes[$0..<$0 + 4]) == blankLine }
        }
        return String(decoding: received.bytes, as: UTF8.self)
    }

    /// Everything the server sends until it closes the connection, or nil if it is still open after `seconds`.
    func readUntilClosed(within seconds: Double) async throws -> String? {
        let received = try await receive(for: seconds)
        return received.closed ? String(decoding: received.bytes, as: UTF8.self) : nil
    }

    /// What arrives within `seconds`, and whether the server closed the connection in that time. Waits by sleeping,
    /// never by blocking a thread: the server's handlers share the test's cooperative pool.
    private func receive(for seconds: Double, until done: ([UInt8]) -> Bool = { _ in false }) async throws -> (bytes: [UInt8], closed: Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var poller = pollfd(fd: socketDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 0) > 0 else {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            let count = buffer.withUnsafeMutableBytes { recv(socketDescriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return (received, true) }
            received += buffer[0..<count]
            if done(received) { return (received, false) }
        }
        return (received, false)
    }
}
