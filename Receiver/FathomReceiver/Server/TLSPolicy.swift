import NIOCore
import NIOSSL

/// Which TLS the receiver speaks: TLS 1.2 and 1.3 only, and on TLS 1.2 only forward-secret AEAD
/// suites (Mozilla's "intermediate" profile). TLS 1.3's suites are all forward-secret AEAD and fixed
/// by BoringSSL, so `cipherSuites` only narrows TLS 1.2.
///
/// ```swift
/// var policy = TLSPolicy()
/// policy.minimumVersion = .tls13              // tls_min_version = "1.3"
/// let tls = try policy.serverConfiguration(certificatePath: "cert.pem", keyPath: "key.pem")
/// ```
public struct TLSPolicy: Sendable, Equatable {
    /// The oldest protocol version a client may use.
    public enum MinimumVersion: String, Sendable, Equatable, CaseIterable {
        case tls12 = "1.2"
        case tls13 = "1.3"
    }

    /// ECDHE key exchange, AES-GCM or ChaCha20-Poly1305: no RSA key transport, no CBC, no SHA-1 MACs.
    public static let intermediateCipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// How long a connection the receiver closes (idle, `Connection: close`, or every one at
    /// SIGTERM) waits for the peer's `close_notify` after sending its own. A peer that never
    /// answers held a stop for NIOSSL's default of 5 s; an answering peer takes one round trip.
    public static let closeNotifyWait: TimeAmount = .seconds(1)

    public var minimumVersion: MinimumVersion = .tls12
    /// OpenSSL cipher-list syntax for TLS 1.2 (`tls_ciphers`).
    public var cipherSuites: String = Self.intermediateCipherSuites

    public init() {}

    /// The server configuration with this policy applied to the given certificate chain and key.
    public func serverConfiguration(certificatePath: String, keyPath: String) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        tls.minimumTLSVersion = minimumVersion == .tls13 ? .tlsv13 : .tlsv12
        tls.cipherSuites = cipherSuites
        tls.shutdownTimeout = Self.closeNotifyWait
        return tls
    }

    /// The problem with these settings, if any: an empty list would leave TLS 1.2 without suites.
    public func validationError() -> String? {
        cipherSuites.isEmpty ? "tls_ciphers is empty" : nil
    }
}
