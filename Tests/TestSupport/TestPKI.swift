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

    /// Makes both CAs and the server certificate (valid from an hour ago for two days) and writes
    /// `ca.pem`, `other-ca.pem`, `server.pem` and `server.key` into `directory`.
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

        init(name commonName: String, validity: (from: Date, until: Date)) throws {
            let key = P256.Signing.PrivateKey()
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
            let publicKey = Certificate.PublicKey(serverKey.publicKey)
            let authority = AuthorityKeyIdentifier(keyIdentifier: keyIdentifier.keyIdentifier)
            return try Certificate(
                version: .v3, serialNumber: .init(), publicKey: publicKey,
                notValidBefore: validity.from, notValidAfter: validity.until, issuer: name,
                subject: try DistinguishedName { CommonName("localhost") },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames(TestPKI.serverNames)
                    SubjectKeyIdentifier(hash: publicKey)
                    authority
                },
                issuerPrivateKey: Certificate.PrivateKey(key))
        }
    }
}
