import FathomTestSupport
import Foundation
import Subprocess
import SystemPackage

/// Runs a program to completion on swift-subprocess and captures its output.
///
/// stdin is `/dev/null`; stdout and stderr are collected, each up to `outputLimit` bytes. A child
/// still running at the deadline, or whose caller is cancelled, gets SIGTERM and, two seconds later,
/// SIGKILL, in a session of its own so anything it started goes with it: the teardown of the agent's
/// `SpawnCommandRunner`. Waiting holds no thread, so a test that waits seconds for a child starves
/// no other test of the few cooperative threads.
///
/// ```swift
/// let result = try await Shell.run(["/usr/bin/id", "-u"])
/// ```
enum Shell {
    /// What a finished child left: its exit status (the signal's number when one ended it) and its output.
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// A child still running at its deadline; it has been ended.
    struct TimedOut: Error, CustomStringConvertible {
        let arguments: [String]
        let timeout: TimeInterval
        var description: String { "\(arguments.joined(separator: " ")) still ran after \(timeout) s and was ended" }
    }

    /// Most bytes kept of either stream; a child writing more is ended and the run throws.
    static let outputLimit = 64 << 20

    /// Runs `arguments` under a shell that times it (`date +%s%N` before and after): the child's
    /// own wall time, which a stall of this test process (other suites share its threads on a
    /// loaded machine) does not inflate, as a time taken around `run` would be.
    static func timedRun(_ arguments: [String], timeout: TimeInterval = 120) async throws -> (
        result: Result, seconds: Double
    ) {
        let script = #"a=$(date +%s%N); "$@"; s=$?; b=$(date +%s%N); echo "fathom-elapsed $a $b" >&2; exit $s"#
        var result = try await run(["/bin/sh", "-c", script, "sh"] + arguments, timeout: timeout)
        var lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        guard let index = lines.lastIndex(where: { $0.hasPrefix("fathom-elapsed ") }) else {
            throw TimingMissing(stderr: result.stderr)
        }
        let fields = lines[index].split(separator: " ")
        let seconds = Double((Int64(fields[2]) ?? 0) - (Int64(fields[1]) ?? 0)) / 1e9
        lines.remove(at: index)
        result.stderr = lines.joined(separator: "\n")
        return (result, seconds)
    }

    /// The timing shell printed no time (it could not run).
    struct TimingMissing: Error, CustomStringConvertible {
        var stderr: String
        var description: String { "no timing line from the timing shell: \(stderr)" }
    }

    static func run(_ arguments: [String], environment: [String: String]? = nil, timeout: TimeInterval = 120)
        async throws -> Result
    {
        let finished = try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask { try await execute(arguments, environment: environment) }
            group.addTask {
                try await Task.sleep(for: .seconds(timeout))
                return nil
            }
            let first = try await group.next()!
            // Cancelling the child's task makes swift-subprocess run the teardown (TERM, then KILL);
            // the group then waits for it to be reaped.
            group.cancelAll()
            return first
        }
        guard let finished else { throw TimedOut(arguments: arguments, timeout: timeout) }
        return finished
    }

    private static func execute(_ arguments: [String], environment: [String: String]?) async throws -> Result {
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2))]
        let program = arguments[0]
        let executable: Executable = program.contains("/") ? .path(FilePath(program)) : .name(program)
        var childEnvironment = Environment.inherit
        if let environment {
            childEnvironment = .custom(
                Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(stringLiteral: $0.key), $0.value) })
            )
        }
        let result = try await Subprocess.run(
            executable, arguments: Arguments(Array(arguments.dropFirst())), environment: childEnvironment,
            platformOptions: options, input: .none, output: .string(limit: outputLimit),
            error: .string(limit: outputLimit))
        let status: Int32 =
            switch result.terminationStatus {
            case .exited(let code): code
            case .signaled(let signal): signal
            }
        return Result(status: status, stdout: result.standardOutput, stderr: result.standardError)
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
