import FathomReceiver
import Foundation
import Testing

/// systemd/receiver.toml, installed as /etc/fathom/receiver.toml, loads and points where the unit
/// lets the receiver write.
@Suite(.timeLimit(.minutes(2))) struct ExampleReceiverConfigTests {
    @Test func shippedExampleLoads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("systemd/receiver.toml").path
        let settings = try ReceiverSettingsFile.load(path: path)
        #expect(settings.dataDirectory == "/var/lib/fathom/data")
        #expect(settings.credentialsPath == "/etc/fathom/credentials")
        #expect(settings.port == 8443)
        #expect(settings.validationError() == nil)
    }
}
