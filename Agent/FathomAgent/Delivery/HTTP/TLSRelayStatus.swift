import FathomShared

/// The one line a TLS relay (``TLSRelay``) writes to the daemon before any payload: `ok`, or the
/// ``AgentHTTPError`` its connect or handshake threw, case by case with every field, so the daemon
/// throws the very error an in-process handshake would have (same case, same words).
///
/// A line is `ok` or `error <case> <field>…`, each field its UTF-8 bytes in hex: reasons from
/// OpenSSL or `strerror` may hold any character, the line none but letters, digits and spaces.
///
/// ```swift
/// TLSRelayStatus.line(for: .connectionRefused(endpoint: "receiver:8443"))  // "error refused 7265…\n"
/// TLSRelayStatus.parse("ok")  // .success(())
/// ```
enum TLSRelayStatus {
    /// The longest line the daemon reads; a relay's line is a few hundred bytes.
    static let maxLineBytes = 4096

    /// The status line, newline included: `ok` for nil.
    static func line(for error: AgentHTTPError?) -> [UInt8] {
        guard let error else { return Array("ok\n".utf8) }
        let (name, fields) = parts(of: error)
        return Array((["error", name] + fields.map(hex)).joined(separator: " ").utf8) + [UInt8(ascii: "\n")]
    }

    /// The outcome a line (without its newline) reports; nil when it is not a status line.
    static func parse(_ line: String) -> Result<Void, AgentHTTPError>? {
        if line == "ok" { return .success(()) }
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        guard words.count >= 2, words[0] == "error" else { return nil }
        var fields: [String] = []
        for word in words.dropFirst(2) {
            guard let field = unhex(word) else { return nil }
            fields.append(field)
        }
        return error(named: String(words[1]), fields).map { .failure($0) }
    }

    private static func parts(of error: AgentHTTPError) -> (String, [String]) {
        switch error {
        case .invalidURL(let url): ("invalid-url", [url])
        case .nameResolution(let host, let reason): ("name-resolution", [host, reason])
        case .connectionRefused(let endpoint): ("refused", [endpoint])
        case .connectFailed(let endpoint, let reason): ("connect-failed", [endpoint, reason])
        case .timeout(let endpoint, let step, let seconds): ("timeout", [endpoint, step, "\(seconds)"])
        case .certificateRefused(let endpoint, let reason): ("certificate-refused", [endpoint, reason])
        case .tlsHandshake(let endpoint, let reason): ("tls-handshake", [endpoint, reason])
        case .tlsSetup(let reason): ("tls-setup", [reason])
        case .connectionClosed(let endpoint, let step): ("closed", [endpoint, step])
        case .io(let endpoint, let step, let reason): ("io", [endpoint, step, reason])
        case .malformedResponse(let endpoint, let reason): ("malformed-response", [endpoint, reason])
        case .responseTooLarge(let endpoint, let limit): ("too-large", [endpoint, "\(limit)"])
        case .redirectRefused(let url, let status, let location): ("redirect", [url, "\(status)", location])
        case .shutDown: ("shut-down", [])
        }
    }

    private static func error(named name: String, _ f: [String]) -> AgentHTTPError? {
        switch (name, f.count) {
        case ("invalid-url", 1): .invalidURL(f[0])
        case ("name-resolution", 2): .nameResolution(host: f[0], reason: f[1])
        case ("refused", 1): .connectionRefused(endpoint: f[0])
        case ("connect-failed", 2): .connectFailed(endpoint: f[0], reason: f[1])
        case ("timeout", 3): Double(f[2]).map { .timeout(endpoint: f[0], step: f[1], seconds: $0) }
        case ("certificate-refused", 2): .certificateRefused(endpoint: f[0], reason: f[1])
        case ("tls-handshake", 2): .tlsHandshake(endpoint: f[0], reason: f[1])
        case ("tls-setup", 1): .tlsSetup(f[0])
        case ("closed", 2): .connectionClosed(endpoint: f[0], step: f[1])
        case ("io", 3): .io(endpoint: f[0], step: f[1], reason: f[2])
        case ("malformed-response", 2): .malformedResponse(endpoint: f[0], reason: f[1])
        case ("too-large", 2): Int(f[1]).map { .responseTooLarge(endpoint: f[0], limit: $0) }
        case ("redirect", 3): Int(f[1]).map { .redirectRefused(url: f[0], status: $0, location: f[2]) }
        case ("shut-down", 0): .shutDown
        default: nil
        }
    }

    /// A field as one word: its UTF-8 bytes in hex, "-" when empty (a word cannot be).
    private static func hex(_ text: String) -> String {
        text.isEmpty ? "-" : LowerHex.encode(text.utf8)
    }

    private static func unhex(_ word: Substring) -> String? {
        if word == "-" { return "" }
        guard !word.isEmpty, let bytes = LowerHex.decode(word) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
