import COpenSSL
import Glibc

/// TLS on a ``TCPStreamConnection``, driven by the system OpenSSL over the non-blocking socket:
/// each `WANT_READ`/`WANT_WRITE` becomes a bounded wait. The handshake sends SNI for a host name and
/// verifies that the certificate names the host (or the IP address the URL gives).
///
/// ```swift
/// let tls = try TLSStreamConnection.handshake(over: tcp, host: "receiver", context: context, limits: limits)
/// try tls.write(request, limits: limits)
/// ```
final class TLSStreamConnection: HTTPByteStream, @unchecked Sendable {
    /// Used by one request at a time (``HTTPConnectionPool`` hands a connection out exclusively).
    private let ssl: OpaquePointer
    private let tcp: TCPStreamConnection
    /// Kept alive as long as a connection made from it.
    private let context: OpenSSLClientContext

    var endpoint: String { tcp.endpoint }

    private init(ssl: OpaquePointer, tcp: TCPStreamConnection, context: OpenSSLClientContext) {
        self.ssl = ssl
        self.tcp = tcp
        self.context = context
    }

    /// Runs the handshake; on failure closes `tcp` and names the cause (for a refused certificate,
    /// OpenSSL's verification result: expired, host-name mismatch, self-signed, unknown issuer).
    static func handshake(
        over tcp: TCPStreamConnection, host: String, hostIsIPAddress: Bool, context: OpenSSLClientContext,
        limits: HTTPWaitLimits
    ) throws(AgentHTTPError) -> TLSStreamConnection {
        fathom_ERR_clear_error()
        guard let ssl = fathom_SSL_new(context.context) else {
            tcp.close()
            throw .tlsSetup("cannot make a TLS connection: \(OpenSSLClientContext.drainErrors())")
        }
        let connection = TLSStreamConnection(ssl: ssl, tcp: tcp, context: context)
        let param = fathom_SSL_get0_param(ssl)
        let named =
            hostIsIPAddress
            ? fathom_X509_VERIFY_PARAM_set1_ip_asc(param, host) == 1
            : fathom_X509_VERIFY_PARAM_set1_host(param, host, 0) == 1 && fathom_SSL_set_server_name(ssl, host) == 1
        guard named, fathom_SSL_set_fd(ssl, tcp.fd) == 1 else {
            connection.close()
            throw .tlsSetup("cannot set up TLS for \(host): \(OpenSSLClientContext.drainErrors())")
        }
        while true {
            fathom_ERR_clear_error()
            let result = fathom_SSL_connect(ssl)
            if result == 1 { return connection }
            let code = errno
            let failure = fathom_SSL_get_error(ssl, result)
            do throws(AgentHTTPError) {
                switch failure {
                case SSL_ERROR_WANT_READ:
                    try limits.wait(
                        fd: tcp.fd, for: Int16(POLLIN), endpoint: tcp.endpoint, step: "in the TLS handshake")
                    continue
                case SSL_ERROR_WANT_WRITE:
                    try limits.wait(
                        fd: tcp.fd, for: Int16(POLLOUT), endpoint: tcp.endpoint, step: "in the TLS handshake")
                    continue
                default:
                    throw connection.handshakeError(failure, errno: code)
                }
            } catch {
                connection.close()
                throw error
            }
        }
    }

    private func handshakeError(_ failure: Int32, errno code: Int32) -> AgentHTTPError {
        let verification = fathom_SSL_get_verify_result(ssl)
        if verification != X509_V_OK {
            return .certificateRefused(
                endpoint: endpoint, reason: String(cString: fathom_X509_verify_cert_error_string(verification)))
        }
        if failure == SSL_ERROR_SYSCALL && fathom_ERR_peek_error() == 0 {
            if code == 0 || code == ECONNRESET || code == EPIPE {
                return .connectionClosed(endpoint: endpoint, step: "during the TLS handshake")
            }
            return .io(endpoint: endpoint, step: "TLS handshake", reason: String(cString: strerror(code)))
        }
        return .tlsHandshake(endpoint: endpoint, reason: OpenSSLClientContext.drainErrors())
    }

    /// What one `SSL_read` gave: bytes (0: the peer closed), or the way the socket must become
    /// ready before a whole record is in.
    enum ReadAttempt: Sendable, Equatable {
        case bytes(Int)
        case wantRead
        case wantWrite
    }

    /// The TCP socket under the TLS, for a caller that polls it together with others (the TLS relay).
    var socket: Int32 { tcp.fd }

    /// True when OpenSSL holds decrypted bytes not yet read: the socket may not poll readable for them.
    var hasBufferedBytes: Bool { fathom_SSL_pending(ssl) > 0 }

    /// One `SSL_read`, without waiting: the relay polls the socket itself, so that a record that
    /// carries no data (a TLS 1.3 session ticket) never holds it in a wait.
    func attemptRead(into buffer: UnsafeMutableRawBufferPointer) throws(AgentHTTPError) -> ReadAttempt {
        fathom_ERR_clear_error()
        let n = fathom_SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if n > 0 { return .bytes(Int(n)) }
        let code = errno
        let failure = fathom_SSL_get_error(ssl, n)
        switch failure {
        case SSL_ERROR_WANT_READ:
            return .wantRead
        case SSL_ERROR_WANT_WRITE:
            return .wantWrite
        case SSL_ERROR_ZERO_RETURN:
            return .bytes(0)
        case SSL_ERROR_SYSCALL where fathom_ERR_peek_error() == 0:
            if code == 0 { return .bytes(0) }
            if code == ECONNRESET {
                throw .connectionClosed(endpoint: endpoint, step: "while reading the response")
            }
            throw .io(endpoint: endpoint, step: "reading", reason: String(cString: strerror(code)))
        default:
            throw .io(endpoint: endpoint, step: "reading", reason: OpenSSLClientContext.drainErrors())
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, limits: HTTPWaitLimits) throws(AgentHTTPError) -> Int {
        while true {
            switch try attemptRead(into: buffer) {
            case .bytes(let n):
                return n
            case .wantRead:
                try limits.wait(fd: tcp.fd, for: Int16(POLLIN), endpoint: endpoint, step: "reading the response")
            case .wantWrite:
                try limits.wait(fd: tcp.fd, for: Int16(POLLOUT), endpoint: endpoint, step: "reading the response")
            }
        }
    }

    func write(_ bytes: [UInt8], limits: HTTPWaitLimits) throws(AgentHTTPError) {
        var offset = 0
        while offset < bytes.count {
            fathom_ERR_clear_error()
            let n = bytes.withUnsafeBytes { raw in
                fathom_SSL_write(ssl, raw.baseAddress! + offset, Int32(clamping: raw.count - offset))
            }
            if n > 0 {
                offset += Int(n)
                continue
            }
            let code = errno
            let failure = fathom_SSL_get_error(ssl, n)
            switch failure {
            case SSL_ERROR_WANT_READ:
                try limits.wait(fd: tcp.fd, for: Int16(POLLIN), endpoint: endpoint, step: "sending the request")
            case SSL_ERROR_WANT_WRITE:
                try limits.wait(fd: tcp.fd, for: Int16(POLLOUT), endpoint: endpoint, step: "sending the request")
            case SSL_ERROR_SYSCALL
            where fathom_ERR_peek_error() == 0 && (code == EPIPE || code == ECONNRESET || code == 0):
                throw .connectionClosed(endpoint: endpoint, step: "while sending the request")
            default:
                throw .io(endpoint: endpoint, step: "sending", reason: OpenSSLClientContext.drainErrors())
            }
        }
    }

    var isReusable: Bool {
        guard fathom_SSL_pending(ssl) == 0 else { return false }
        if tcp.isReusable { return true }
        // Readable while idle: a close, or TLS 1.3 session tickets that came after the answer.
        // A peek takes in records that carry no data; wanting more then means the peer said nothing.
        fathom_ERR_clear_error()
        var byte: UInt8 = 0
        let n = fathom_SSL_peek(ssl, &byte, 1)
        return n <= 0 && fathom_SSL_get_error(ssl, n) == SSL_ERROR_WANT_READ
    }

    func close() {
        fathom_SSL_free(ssl)
        tcp.close()
    }
}
