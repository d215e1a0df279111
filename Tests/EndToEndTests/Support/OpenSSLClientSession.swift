import Foundation

/// One TLS connection held open by the real `openssl s_client -quiet`, trusting the test CA:
/// what the test writes goes down that one connection, and what the server answers collects in
/// `output`. A connection the server closes ends the process (`isRunning` turns false).
///
/// ```swift
/// let session = try OpenSSLClientSession(port: receiver.port, caFile: pki.caCertificate)
/// defer { session.close() }
/// try session.write("GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
/// #expect(try await session.awaitOutput(containing: "HTTP/1.1 200", count: 1))
/// ```
final class OpenSSLClientSession: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let lock = NSLock()
    private var collected = ""

    var output: String { lock.withLock { collected } }
    var isRunning: Bool { process.isRunning }

    init(port: Int, caFile: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", caFile, "-verify_return_error", "-quiet",
        ]
        let out = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = out
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.collected += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    func write(_ text: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    /// Waits (at most `timeout`, with `Task.sleep`) until `text` occurs `count` times in the output.
    func awaitOutput(containing text: String, count: Int, timeout: Duration = .seconds(10)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if output.components(separatedBy: text).count - 1 >= count { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    func close() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
