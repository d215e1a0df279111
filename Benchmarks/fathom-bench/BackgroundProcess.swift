import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A program the bench starts and later waits for (a throughput server or client), with stdout
/// and stderr going to files in a scratch directory so neither can stall on a full pipe.
///
/// Every live one is listed in ``InterruptCleanup``, so an interrupted bench kills it too.
///
/// ```swift
/// let server = try BackgroundProcess(["iperf3", "-s", "-1"], name: "server", in: scratch.path)
/// let status = try server.wait(timeout: .seconds(10))
/// ```
final class BackgroundProcess: @unchecked Sendable {
    let argv: [String]
    private let process = Process()
    private let outputPath: String
    private let errorPath: String

    init(_ argv: [String], name: String, in directory: String) throws {
        self.argv = argv
        outputPath = "\(directory)/\(name).out"
        errorPath = "\(directory)/\(name).err"
        for path in [outputPath, errorPath] {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw Subprocess.Failure(description: "cannot create \(path)")
            }
        }
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        try InterruptCleanup.shared.checkpoint()
        try process.run()
        InterruptCleanup.shared.track(self)
        // A signal between the checkpoint and `track` would miss this process: look again.
        do { try InterruptCleanup.shared.checkpoint() } catch {
            kill()
            throw error
        }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// "exited N" or "killed by signal N", for messages.
    var exitDescription: String {
        process.terminationReason == .uncaughtSignal
            ? "killed by signal \(process.terminationStatus)" : "exited \(process.terminationStatus)"
    }

    /// Waits for the exit and returns the exit status (128 + the signal number when killed);
    /// past `timeout` the process is killed and the wait fails.
    @discardableResult
    func wait(timeout: Duration) throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { usleep(2_000) }
        if process.isRunning {
            kill()
            throw Subprocess.Failure(
                description: "\(argv.joined(separator: " ")) still running after \(timeout); killed")
        }
        process.waitUntilExit()
        InterruptCleanup.shared.forget(self)
        try InterruptCleanup.shared.checkpoint()
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    /// SIGKILL and reap; a no-op once it has exited.
    func kill() {
        if process.isRunning { _ = Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        InterruptCleanup.shared.forget(self)
    }
}
