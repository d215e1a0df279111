import Crypto
import Foundation
import SwiftASN1
import X509

/// A throwaway CA and a server certificate for 127.0.0.1, ::1 and localhost, made in-process with
/// swift-certificates and written as PEM files to `directory`, where the receiver, curl and
/// `openssl s_client` read them as they would an operator's.
///
/// ```swift
/// let pki = try TestPKI(in: dir.path)
/// // fathom-receiver --tls-cert pki.serverCertificate --tls-key pki.serverKey
/// let client = try UploadClient(caFile: pki.caCertificate)
/// ```
public struct TestPKI: Sendable {
    public let directory: String
    public var caCertificate: String { directory + "/ca.pem" }
    public var serverCertificate: String { directory + "/server.pem" }
    public var serverKey: String { directory + "/server.key" }
    /// A second, unrelated CA: clients trusting only it must refuse the server.
    public var otherCA: String { directory + "/other-ca.pem" }
    /// Server certificates a client trusting `ca.pem` must refuse, each with its key in `<name>.key`:
    /// `expired.pem` (valid until yesterday), `wrong-host.pem` (names only `elsewhere.example`) and
    /// `self-signed.pem` (for localhost and 127.0.0.1, signed by its own key).
    public func refusedServer(_ name: RefusedServer) -> (certificate: String, key: String) {
        (directory + "/\(name.rawValue).pem", directory + "/\(name.rawValue).key")
    }
    /// A client certificate the CA signed (`clientAuth`), for servers that ask for one.
    public var clientCertificate: String { directory + "/client.pem" }
    public var clientKey: String { directory + "/client.key" }

    /// The server certificates of ``refusedServer(_:)``.
    public enum RefusedServer: String, Sendable, CaseIterable {
        case expired
        case wrongHost = "wrong-host"
        case selfSigned = "self-signed"
    }

    /// Makes both CAs and the server certificate (valid from an hour ago for two days) and writes
    /// `ca.pem`, `other-ca.pem`, `server.pem` and `server.key` into `directory`, with the refused
    /// servers' certificates and a client certificate beside them.
    public init(in directory: String) throws {
        self.directory = directory
        let now = Date()
        let validity = (from: now - 3600, until: now + 2 * 86_400)
        let ca = try Authority(name: "Fathom Test CA", validity: validity)
        let other = try Authority(name: "Other CA", validity: validity)
        let serverKey = P256.Signing.PrivateKey()
        let server = try ca.issueServerCertificate(for: serverKey, validity: validity)
        try write(ca.certificate.serializeAsPEM().pemString, to: caCertificate)
        try write(other.certificate.serializeAsPEM().pemString, to: otherCA)
        try write(server.serializeAsPEM().pemString, to: serverCertificate)
        try write(serverKey.pemRepresentation, to: self.serverKey)
        try writeRefusedServers(ca: ca, validity: validity)
        let clientKey = P256.Signing.PrivateKey()
        let client = try ca.issueCertificate(
            for: clientKey, subject: "fathom-agent", names: [], usage: .clientAuth, validity: validity)
        try write(client.serializeAsPEM().pemString, to: clientCertificate)
        try write(clientKey.pemRepresentation, to: self.clientKey)
    }

    private func writeRefusedServers(ca: Authority, validity: (from: Date, until: Date)) throws {
        let now = Date()
        for variant in RefusedServer.allCases {
            let key = P256.Signing.PrivateKey()
            let certificate: Certificate
            switch variant {
            case .expired:
                certificate = try ca.issueCertificate(
                    for: key, subject: "localhost", names: Self.serverNames, usage: .serverAuth,
                    validity: (now - 3 * 86_400, now - 86_400))
            case .wrongHost:
                certificate = try ca.issueCertificate(
                    for: key, subject: "elsewhere.example", names: [.dnsName("elsewhere.example")],
                    usage: .serverAuth, validity: validity)
            case .selfSigned:
                let own = try Authority(name: "localhost", validity: validity, key: key)
                certificate = try own.issueCertificate(
                    for: key, subject: "localhost", names: Self.serverNames, usage: .serverAuth, validity: validity)
            }
            let paths = refusedServer(variant)
            try write(certificate.serializeAsPEM().pemString, to: paths.certificate)
            try write(key.pemRepresentation, to: paths.key)
        }
    }

    private func write(_ pem: String, to path: String) throws {
        try (pem + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The names and addresses a test server listens on.
    static let serverNames: [GeneralName] = [
        .dnsName("localhost"),
        .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
        .ipAddress(ASN1OctetString(contentBytes: ArraySlice(repeating: 0, count: 15) + [1])),
    ]
}

extension TestPKI {
    /// A self-signed CA with the extensions strict verifiers (Python's `VERIFY_X509_STRICT`,
    /// `openssl verify -x509_strict`) insist on: critical basic constraints, key usage, key ids.
    struct Authority {
        let key: P256.Signing.PrivateKey
        let name: DistinguishedName
        let keyIdentifier: SubjectKeyIdentifier
        let certificate: Certificate

        init(
            name commonName: String, validity: (from: Date, until: Date),
            key: P256.Signing.PrivateKey = P256.Signing.PrivateKey()
        ) throws {
            let name = try DistinguishedName { CommonName(commonName) }
            let publicKey = Certificate.PublicKey(key.publicKey)
            let keyIdentifier = SubjectKeyIdentifier(hash: publicKey)
            certificate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: publicKey,
                notValidBefore: validity.from, notValidAfter: validity.until, issuer: name, subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    keyIdentifier
                },
                issuerPrivateKey: Certificate.PrivateKey(key))
            self.key = key
            self.name = name
            self.keyIdentifier = keyIdentifier
        }

        /// A leaf for `localhost`, valid for TLS servers only.
        func issueServerCertificate(
            for serverKey: P256.Signing.PrivateKey, validity: (from: Date, until: Date)
        ) throws -> Certificate {
            try issueCertificate(
                for: serverKey, subject: "localhost", names: TestPKI.serverNames, usage: .serverAuth,
                validity: validity)
        }

        /// A leaf for `subject` and `names`, valid for `usage` only.
        func issueCertificate(
            for leafKey: P256.Signing.PrivateKey, subject: String, names: [GeneralName],
            usage: ExtendedKeyUsage.Usage, validity: (from: Date, until: Date)
        ) throws -> Certificate {
            let publicKey = Certificate.PublicKey(leafKey.publicKey)
            let authority = AuthorityKeyIdentifier(keyIdentifier: keyIdentifier.keyIdentifier)
            return try Certificate(
                version: .v3, serialNumber: .init(), publicKey: publicKey,
                notValidBefore: validity.from, notValidAfter: validity.until, issuer: name,
                subject: try DistinguishedName { CommonName(subject) },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([usage])
                    if !names.isEmpty { SubjectAlternativeNames(names) }
                    SubjectKeyIdentifier(hash: publicKey)
                    authority
                },
                issuerPrivateKey: Certificate.PrivateKey(key))
        }
    }
}
