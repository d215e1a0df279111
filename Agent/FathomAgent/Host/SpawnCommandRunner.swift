import Subprocess
import SystemPackage

/// `CommandRunner` on swift-subprocess: stdout captured up to a limit, stdin and stderr on
/// `/dev/null`, and a deadline after which the child is ended.
///
/// A child that outlives the timeout, or whose caller is cancelled, gets SIGTERM and, `grace`
/// later, SIGKILL; it runs in a session of its own so anything it started goes with it. A hung
/// `nvidia-smi` therefore cannot stall sampling (sonar raised its limit to 5 s after pmon took over
/// 2 s on busy nodes). Waiting costs no thread: swift-subprocess watches the child's pidfd and
/// pipe with epoll, and opens every descriptor close-on-exec, so no other spawn inherits them.
///
/// ```swift
/// let out = try await SpawnCommandRunner().run(["rocm-smi", "--showpidgpus"], timeout: .seconds(5))
/// ```
public struct SpawnCommandRunner: CommandRunner {
    /// Most stdout bytes kept; a program writing more is killed and `outputTooLarge` thrown.
    public let outputLimit: Int
    /// Time between SIGTERM and SIGKILL when the child must be ended.
    public let grace: Duration

    public init(outputLimit: Int = 8 << 20, grace: Duration = .seconds(1)) {
        self.outputLimit = outputLimit
        self.grace = grace
    }

    public func run(_ arguments: [String], timeout: Duration) async throws -> String {
        guard let program = arguments.first else { throw CommandError.noProgram }
        let ending = await withTaskGroup(of: Ending.self) { group in
            group.addTask { await execute(program, Array(arguments.dropFirst())) }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                    return .deadlinePassed
                } catch {
                    return .cancelled
                }
            }
            let first = await group.next()!
            // Cancelling the child's task makes swift-subprocess run the teardown (TERM, then KILL);
            // the group then waits for it to be reaped.
            group.cancelAll()
            return first
        }
        switch ending {
        case .finished(let result): return try result.get()
        case .deadlinePassed: throw CommandError.timedOut(program: program)
        case .cancelled: throw CancellationError()
        }
    }

    /// How a run ended: the child finished (well or not), the deadline passed, or the caller was cancelled.
    private enum Ending: Sendable {
        case finished(Result<String, CommandError>)
        case deadlinePassed
        case cancelled
    }

    private func execute(_ program: String, _ arguments: [String]) async -> Ending {
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: grace)]
        let executable: Executable = program.contains("/") ? .path(FilePath(program)) : .name(program)
        do {
            let result = try await Subprocess.run(
                executable, arguments: Arguments(arguments), platformOptions: options,
                input: .none, output: .string(limit: outputLimit), error: .discarded)
            // A child ended by the teardown is the caller's cancellation, not the program's failure.
            if Task.isCancelled { return .cancelled }
            switch result.terminationStatus {
            case .exited(0): return .finished(.success(result.standardOutput))
            case .exited(let code): return .finished(.failure(.exited(program: program, code: code)))
            case .signaled(let signal): return .finished(.failure(.signalled(program: program, signal: signal)))
            }
        } catch let error as SubprocessError {
            if Task.isCancelled { return .cancelled }
            return .finished(.failure(Self.commandError(error, program: program, limit: outputLimit)))
        } catch {
            return Task.isCancelled
                ? .cancelled : .finished(.failure(.ioFailed(program: program, reason: "\(error)")))
        }
    }

    static func commandError(_ error: SubprocessError, program: String, limit: Int) -> CommandError {
        switch error.code {
        case .executableNotFound: .notFound(program: program)
        case .spawnFailed: .spawnFailed(program: program, errno: error.underlyingError?.rawValue ?? 0)
        case .outputLimitExceeded: .outputTooLarge(program: program, limit: limit)
        default: .ioFailed(program: program, reason: "\(error)")
        }
    }
}
