import FathomTestSupport
import Foundation

/// Runs the real `fathom-agent` binary against a receiver fixture.
struct AgentRun {
    let fixture: ReceiverFixture
    let spool: String
    let passwordFile: String

    init(fixture: ReceiverFixture, password: String = "fox-secret") throws {
        self.fixture = fixture
        spool = fixture.dir.file("spool")
        passwordFile = fixture.dir.file("agent-password")
        try fixture.dir.write("agent-password", password + "\n")
    }

    func arguments(_ command: String, receiverURL: String? = nil, extra: [String] = []) -> [String] {
        [
            Shell.binDirectory + "/fathom-agent", command,
            "--receiver", receiverURL ?? fixture.receiver.baseURL, "--cluster", "fox",
            "--password-file", passwordFile, "--ca-file", fixture.pki.caCertificate, "--spool-dir", spool,
        ] + extra
    }

    /// Runs `fathom-agent once`; returns exit status, stdout and stderr.
    func once(receiverURL: String? = nil, extra: [String] = []) async throws -> Shell.Result {
        try await Shell.run(arguments("once", receiverURL: receiverURL, extra: extra))
    }

    var spooledBatchCount: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []).filter {
            !$0.hasPrefix(".") && $0 != "quarantine" && !$0.hasSuffix(".tmp")
        }.count
    }
}
