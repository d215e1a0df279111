import FathomShared
import Testing

@testable import FathomReceiver

/// The connection, TLS and login-throttle keys of the receiver's TOML file.
@Suite struct ReceiverConnectionSettingsTests {
    @Test func keysSetTheirSettings() throws {
        let s = try ReceiverSettingsFile.parse(
            """
            handshake_timeout = 3
            header_timeout = 2.5
            idle_timeout = 30
            max_connections = 500
            tls_min_version = "1.3"
            tls_ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384"
            login_failures_per_address = 4
            login_failures_per_user = 9
            login_forgive_seconds = 2
            """, fileName: "r.toml")
        #expect(s.connections.handshakeTimeout == .seconds(3))
        #expect(s.connections.headerTimeout == .milliseconds(2500))
        #expect(s.connections.idleTimeout == .seconds(30))
        #expect(s.connections.effectiveMaxConnections() == 500)
        #expect(s.tls.minimumVersion == .tls13)
        #expect(s.tls.cipherSuites == "ECDHE-ECDSA-AES256-GCM-SHA384")
        #expect(s.loginThrottle.failuresPerAddress == 4 && s.loginThrottle.failuresPerUser == 9)
        #expect(s.loginThrottle.forgiveAfter == .seconds(2))
    }

    @Test func defaultsAreTheIntermediateProfileAndBoundedByTheDescriptorLimit() {
        let s = ReceiverSettings()
        #expect(s.tls.minimumVersion == .tls12)
        #expect(!s.tls.cipherSuites.contains("CBC") && !s.tls.cipherSuites.contains("-SHA:"))
        #expect(s.tls.cipherSuites.split(separator: ":").allSatisfy { $0.hasPrefix("ECDHE-") })
        let cap = s.connections.effectiveMaxConnections()
        #expect(cap >= 16 && cap <= ConnectionPolicy.defaultMaxConnections)
    }

    @Test func badValuesAreRefusedWithTheKeyName() {
        for (text, key) in [
            ("header_timeout = 0", "header_timeout"), ("idle_timeout = -1", "idle_timeout"),
            (#"tls_min_version = "1.1""#, "tls_min_version"), (#"handshake_timeout = "soon""#, "handshake_timeout"),
        ] {
            #expect(throws: ConfigError.self) { try ReceiverSettingsFile.parse(text, fileName: "r.toml") }
            do {
                _ = try ReceiverSettingsFile.parse(text, fileName: "r.toml")
            } catch {
                #expect("\(error)".contains(key), "\(text): \(error)")
            }
        }
        var s = ReceiverSettings()
        s.insecureHTTP = true
        s.connections.maxConnections = 0
        #expect(s.validationError() != nil)
        s.connections.maxConnections = nil
        s.loginThrottle.failuresPerUser = 0
        #expect(s.validationError() != nil)
    }
}
