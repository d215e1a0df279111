/// Runs an external program and returns its standard output.
///
/// The GPU probes reach `nvidia-smi` / `rocm-smi` only through this, so tests feed recorded output.
///
/// ```swift
/// let text = try await runner.run(["nvidia-smi", "pmon", "-c", "1", "-s", "mu"], timeout: .seconds(5))
/// ```
public protocol CommandRunner: Sendable {
    /// Runs `arguments[0]` (looked up in PATH) with the rest as arguments.
    /// Throws `CommandError` when it cannot start, exits non-zero, or outlives `timeout`.
    func run(_ arguments: [String], timeout: Duration) async throws -> String
}

/// Why a subprocess gave no usable output.
public enum CommandError: Error, Equatable, Sendable {
    /// posix_spawn failed (typically: program not installed); carries errno.
    case spawnFailed(program: String, errno: Int32)
    /// The program ran longer than allowed and was killed.
    case timedOut(program: String)
    /// The program exited with a non-zero status or was killed by a signal.
    case failed(program: String, status: Int32)
    /// The argument list was empty.
    case noProgram
}
