import FathomTestSupport
import Foundation
import Testing

/// The units in systemd/ pass `systemd-analyze verify` with no output at all and score an
/// exposure of at most 2.0 in `systemd-analyze security --offline=yes` (scripts/check-units.sh).
@Suite(.timeLimit(.minutes(2))) struct SystemdUnitTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let analyzerInstalled = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        .split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/systemd-analyze") }

    @Test func unitsVerifyCleanAndAreHardened() throws {
        guard Self.analyzerInstalled else {
            try Prerequisite.unavailable("systemd-analyze is not installed (Debian package systemd)")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.repository.appendingPathComponent("scripts/check-units.sh").path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        print(output, terminator: "")
        #expect(process.terminationStatus == 0, "scripts/check-units.sh:\n\(output)")
    }
}
