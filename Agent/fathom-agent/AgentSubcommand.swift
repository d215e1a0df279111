import FathomAgent

/// A subcommand of `fathom-agent`: its declaration for the parser and help, and how it reads its
/// parsed arguments. A value the command refuses is a ``CommandLineError`` (exit 64).
protocol AgentSubcommand: Sendable {
    /// The subcommand's name, `sample`; known without building ``spec``.
    static var name: String { get }
    static var spec: CommandSpec { get }
    init(_ parsed: ParsedCommandLine) throws(CommandLineError)
}

/// A subcommand that blocks in system calls (`poll`, `recv`): run on the main thread, never on
/// the concurrency pool.
protocol BlockingSubcommand: AgentSubcommand {
    func run() throws
}

/// A subcommand that awaits (sampling, delivery, the daemon).
protocol AsyncSubcommand: AgentSubcommand {
    func run() async throws
    /// Does the command's work on the calling thread when it can, starting no task and no thread
    /// (the concurrency pool costs a one-shot process about 0.5 ms of CPU and 0.5 MB): true when
    /// done, false when ``run()`` must do it.
    func runOnThisThread() throws -> Bool
}

extension AsyncSubcommand {
    func runOnThisThread() throws -> Bool { false }
}
