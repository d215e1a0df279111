/// Runs an external program and returns its standard output.
///
/// The GPU probes reach `nvidia-smi` / `rocm-smi` only through this, so tests feed recorded output.
///
/// ```swift
/// let text = try await runner.run(["nvidia-smi", "pmon", "-c", "1", "-s", "mu"], timeout: .seconds(5))
/// ```
public protocol CommandRunner: Sendable {
    /// Runs `arguments[0]` (looked up in PATH unless it contains a `/`) with the rest as arguments.
    /// Throws `CommandError` when it cannot start, exits non-zero, or outlives `timeout`, and
    /// `CancellationError` when the calling task is cancelled (the child is ended first).
    func run(_ arguments: [String], timeout: Duration) async throws -> String
}

/// Why a subprocess gave no usable output.
public enum CommandError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The argument list was empty.
    case noProgram
    /// No executable of that name in PATH (typically: the vendor tool is not installed).
    case notFound(program: String)
    /// The program exists but could not be started; carries errno (0 when none was reported).
    case spawnFailed(program: String, errno: Int32)
    /// The program ran longer than allowed and was killed.
    case timedOut(program: String)
    /// The program wrote more than `limit` bytes to stdout and was killed.
    case outputTooLarge(program: String, limit: Int)
    /// The program exited with a non-zero code.
    case exited(program: String, code: Int32)
    /// The program was ended by a signal it did not handle.
    case signalled(program: String, signal: Int32)
    /// Reading the program's output or watching it failed.
    case ioFailed(program: String, reason: String)

    public var description: String {
        switch self {
        case .noProgram: "no program given"
        case .notFound(let program): "\(program): not found in PATH"
        case .spawnFailed(let program, let errno): "\(program): cannot start (errno \(errno))"
        case .timedOut(let program): "\(program): timed out and was killed"
        case .outputTooLarge(let program, let limit): "\(program): more than \(limit) bytes of output; killed"
        case .exited(let program, let code): "\(program): exited with code \(code)"
        case .signalled(let program, let signal): "\(program): ended by signal \(signal)"
        case .ioFailed(let program, let reason): "\(program): \(reason)"
        }
    }
}
