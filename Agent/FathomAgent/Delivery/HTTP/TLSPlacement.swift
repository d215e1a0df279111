#if canImport(Glibc)
    import Glibc
#endif

/// Where the agent's HTTP client runs TLS. In its own process (`inProcess`): OpenSSL is loaded on
/// the first HTTPS request and stays, about 4.7 MB of libssl and libcrypto mapped for the process's
/// life; right for a one-shot command. In a TLS relay (`relay`): each HTTPS connection's TLS runs in
/// a short-lived child, `executable tls-relay` (``TLSRelay``), that ends with the connection, so a
/// daemon never loads OpenSSL at all (``RelayedTLSConnection``).
///
/// ```swift
/// let http = try AgentHTTPClient(caFile: caFile, tls: .relayThroughThisExecutable())
/// ```
public enum TLSPlacement: Sendable, Equatable {
    case inProcess
    /// `executable`: a `fathom-agent` binary whose `tls-relay` subcommand runs the relay.
    case relay(executable: String)

    /// A relay through the running agent's own binary, its path read once from `/proc/self/exe`.
    public static func relayThroughThisExecutable() -> TLSPlacement {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        // Without a readable link the kernel's own name for the binary still starts it.
        guard length > 0 else { return .relay(executable: "/proc/self/exe") }
        let path = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return .relay(executable: path)
    }
}
