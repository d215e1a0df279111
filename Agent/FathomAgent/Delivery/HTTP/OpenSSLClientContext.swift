import COpenSSL

/// The agent's one TLS client context on the system OpenSSL: TLS 1.2 or newer, the server's
/// certificate verified against the operator's private CA file or else the system roots, and an
/// optional client certificate. Made on the first HTTPS request, so commands that upload nothing
/// never load OpenSSL at all (libssl is loaded here, with `dlopen`), its configuration or a CA store;
/// the `run` daemon makes it only in its TLS relays (``TLSRelay``), never in its own process.
///
/// ```swift
/// let context = try OpenSSLClientContext(caFile: "/etc/fathom/ca.pem", clientCertificate: nil)
/// let tls = try TLSStreamConnection.handshake(over: tcp, host: "receiver", context: context, limits: limits)
/// ```
final class OpenSSLClientContext: @unchecked Sendable {
    /// Configured once in `init`, then only read: OpenSSL allows many threads to make
    /// connections from one such context at once.
    let context: OpaquePointer

    /// `clientCertificate`: PEM certificate chain and PEM private key the server may ask for.
    init(caFile: String?, clientCertificate: (chain: String, key: String)?) throws(AgentHTTPError) {
        if let failure = fathom_openssl_load_failure() {
            throw .tlsSetup(String(cString: failure))
        }
        guard let context = fathom_SSL_CTX_new(fathom_TLS_client_method()) else {
            throw .tlsSetup("cannot make an OpenSSL context: \(Self.drainErrors())")
        }
        self.context = context
        guard fathom_SSL_CTX_configure_client(context) == 1 else {
            throw .tlsSetup("cannot require TLS 1.2: \(Self.drainErrors())")
        }
        if let caFile {
            guard fathom_SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                throw .tlsSetup("cannot read CA file \(caFile): \(Self.drainErrors())")
            }
        } else if fathom_SSL_CTX_set_default_verify_paths(context) != 1 {
            throw .tlsSetup("cannot load the system's CA certificates: \(Self.drainErrors())")
        }
        if let (chain, key) = clientCertificate {
            guard fathom_SSL_CTX_use_certificate_chain_file(context, chain) == 1 else {
                throw .tlsSetup("cannot read client certificate \(chain): \(Self.drainErrors())")
            }
            guard fathom_SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
                throw .tlsSetup("cannot read client key \(key): \(Self.drainErrors())")
            }
            guard fathom_SSL_CTX_check_private_key(context) == 1 else {
                throw .tlsSetup("client key \(key) does not match certificate \(chain)")
            }
        }
    }

    deinit {
        fathom_SSL_CTX_free(context)
    }

    /// The reasons on this thread's OpenSSL error queue, oldest first, and empties it.
    static func drainErrors() -> String {
        var reasons: [String] = []
        while case let code = fathom_ERR_get_error(), code != 0 {
            if let reason = fathom_ERR_reason_error_string(code) {
                reasons.append(String(cString: reason))
            } else {
                var buffer = [CChar](repeating: 0, count: 256)
                fathom_ERR_error_string_n(code, &buffer, buffer.count)
                reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        return reasons.isEmpty ? "unknown OpenSSL error" : reasons.joined(separator: "; ")
    }
}
