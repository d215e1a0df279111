import FathomTestSupport
import Foundation

/// Runs a program to completion and captures its output.
enum Shell {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String]? = nil, timeout: TimeInterval = 120) throws
        -> Result
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The deadline is kept by a watchdog: the reads below block until the child closes its
        // output, so a child that hangs (a server whose client never came) must be killed to end them.
        let pid = process.processIdentifier
        let finished = DispatchSemaphore(value: 0)
        let watchdog = Thread {
            if finished.wait(timeout: .now() + timeout) == .timedOut {
                kill(pid, SIGTERM)
                if finished.wait(timeout: .now() + 2) == .timedOut { kill(pid, SIGKILL) }
            }
        }
        watchdog.start()
        defer { finished.signal() }
        // Drain both pipes concurrently so a chatty child cannot block on a full pipe.
        nonisolated(unsafe) var errData = Data()
        let errThread = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        errThread.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errThread.isFinished { usleep(1000) }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// `run` on a dispatch thread: waiting for a child for seconds must not hold one of the few
    /// cooperative threads that every other async test needs.
    static func runDetached(_ arguments: [String], timeout: TimeInterval = 120) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Swift.Result { try run(arguments, timeout: timeout) })
            }
        }
    }

    /// The directory holding the built executables (next to the test bundle).
    static var binDirectory: String {
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // swift test runs <bin>/<package>PackageTests.xctest; go up until fathom-receiver is found.
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("fathom-receiver").path) {
                return dir.path
            }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/debug").path
    }
}
