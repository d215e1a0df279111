import FathomAgent

/// A subcommand of `fathom-agent`: its declaration for the parser and help, and how it reads its
/// parsed arguments. A value the command refuses is a ``CommandLineError`` (exit 64).
protocol AgentSubcommand: Sendable {
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
}
