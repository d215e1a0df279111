import FathomAgent

/// A subcommand of `fathom-agent`: its declaration for the parser and help, how it reads its
/// parsed arguments, and how it runs. A value the command refuses is a ``CommandLineError``
/// (exit 64). Commands conform through ``BlockingSubcommand`` or ``AsyncSubcommand``, which say
/// how it runs; `AgentMain` calls the two steps below and never casts (a cast to a protocol
/// costs a one-shot process a conformance lookup at start).
protocol AgentSubcommand: Sendable {
    /// The subcommand's name, `sample`; known without building ``spec``.
    static var name: String { get }
    static var spec: CommandSpec { get }
    init(_ parsed: ParsedCommandLine) throws(CommandLineError)
    /// Does the command's work on the calling thread when it can, starting no task and no thread
    /// (the concurrency pool costs a one-shot process about 0.5 ms of CPU and 0.5 MB): true when
    /// done, false when ``runConcurrently()`` must do it.
    func runOnThisThread() throws -> Bool
    /// The work ``runOnThisThread()`` left.
    func runConcurrently() async throws
}

/// A subcommand that blocks in system calls (`poll`, `recv`): run on the main thread, never on
/// the concurrency pool.
protocol BlockingSubcommand: AgentSubcommand {
    func run() throws
}

extension BlockingSubcommand {
    func runOnThisThread() throws -> Bool {
        try run()
        return true
    }

    func runConcurrently() async throws {}
}

/// A subcommand that awaits (sampling, delivery, the daemon); one that can do without the pool
/// in some cases says so in its own ``AgentSubcommand/runOnThisThread()``.
protocol AsyncSubcommand: AgentSubcommand {
    func run() async throws
}

extension AsyncSubcommand {
    func runOnThisThread() throws -> Bool { false }

    func runConcurrently() async throws { try await run() }
}
