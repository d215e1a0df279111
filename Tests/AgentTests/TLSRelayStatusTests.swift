import Testing

@testable import FathomAgent

/// The TLS relay's status line carries every ``AgentHTTPError`` back whole, whatever its reasons hold.
@Suite(.timeLimit(.minutes(1))) struct TLSRelayStatusTests {
    static let errors: [AgentHTTPError] = [
        .invalidURL("ftp://x"),
        .nameResolution(host: "no-such-host.invalid", reason: "Name or service not known"),
        .connectionRefused(endpoint: "[::1]:8443"),
        .connectFailed(endpoint: "10.0.0.1:443", reason: "No route to host"),
        .timeout(endpoint: "receiver:8443", step: "in the TLS handshake", seconds: 1.5),
        .certificateRefused(endpoint: "localhost:8443", reason: "self-signed certificate"),
        .tlsHandshake(endpoint: "r:1", reason: "unsupported protocol; no shared cipher"),
        .tlsSetup("cannot read CA file /etc/ca \u{e9}t\u{e9}.pem:\n line 2\t\\ end"),
        .tlsSetup(""),
        .connectionClosed(endpoint: "r:1", step: "during the TLS handshake"),
        .io(endpoint: "r:1", step: "TLS handshake", reason: "Connection timed out"),
        .malformedResponse(endpoint: "r:1", reason: "no status line"),
        .responseTooLarge(endpoint: "r:1", limit: 1000),
        .redirectRefused(url: "https://r/x", status: 302, location: ""),
        .shutDown,
    ]

    @Test func everyErrorComesBackTheSame() {
        for error in Self.errors {
            let line = TLSRelayStatus.line(for: error)
            #expect(line.last == UInt8(ascii: "\n") && line.dropLast().allSatisfy { $0 >= 0x20 && $0 < 0x7f })
            let text = String(decoding: line.dropLast(), as: UTF8.self)
            guard case .failure(let back)? = TLSRelayStatus.parse(text) else {
                Issue.record("\(error) did not come back: \(text)")
                continue
            }
            #expect(back == error)
            #expect("\(back)" == "\(error)")
        }
    }

    @Test func successAndLinesThatAreNoStatus() {
        #expect(TLSRelayStatus.line(for: nil) == Array("ok\n".utf8))
        #expect((try? TLSRelayStatus.parse("ok")?.get()) != nil)
        for line in ["", "okay", "error", "error refused", "error refused 7g", "error refused 123", "error nope 61"] {
            #expect(TLSRelayStatus.parse(line) == nil, "\(line)")
        }
    }
}
