import FathomAgent
import Foundation
import Testing

/// systemd/agent.toml, installed as /etc/fathom/agent.toml, loads and spools where the unit lets
/// the agent write.
@Suite(.timeLimit(.minutes(2))) struct ExampleAgentConfigTests {
    @Test func shippedExampleLoads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("systemd/agent.toml").path
        let settings = try AgentSettingsFile.load(path: path)
        #expect(settings.spoolDirectory == "/var/lib/fathom/spool")
        #expect(settings.passwordFile?.hasPrefix("/etc/fathom/") == true)
        #expect(settings.receiverURLs.first?.hasPrefix("https://") == true)
    }
}
