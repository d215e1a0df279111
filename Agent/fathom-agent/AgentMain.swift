import FathomAgent
import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// `fathom-agent`: samples this node like sonar and delivers the samples to a Fathom receiver.
/// Parses the command line (``CommandLineRequest``), runs the one subcommand asked for, and maps
/// the outcome to an exit status: 0, the command's own (``CommandExit``), 64 for a command line
/// that cannot run, 1 for any other error.
///
/// On the main actor, so the blocking commands (`trace`, `rtt`, …) block the main thread, never
/// a thread of the concurrency pool.
@main
@MainActor
enum AgentMain {
    static let commands: [any AgentSubcommand.Type] = [
        SampleCommand.self, SysinfoCommand.self, InterfacesCommand.self, RunCommand.self, OnceCommand.self,
        TraceCommand.self, RTTCommand.self, ThroughputCommand.self, ResponderCommand.self,
    ]
    /// Run by the agent itself, never by people: left out of the help.
    static let internalCommands: [any AgentSubcommand.Type] = [TLSRelayCommand.self]

    /// The command `name` names, internal ones included.
    static func command(named name: String?) -> (any AgentSubcommand.Type)? {
        (commands + internalCommands).first { $0.name == name }
    }

    static let name = "fathom-agent"

    /// The root command. When the first argument names a subcommand, only that one is declared:
    /// the others' option tables would be start-up work for nothing.
    static func spec(for arguments: [String]) -> CommandSpec {
        let named = command(named: arguments.first)
        return CommandSpec(
            name: name,
            abstract: "Samples jobs and processes from /proc and delivers them durably to a Fathom receiver.",
            subcommands: named.map { [$0.spec] } ?? commands.map { $0.spec }, version: FathomVersion.string)
    }

    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch CommandLineRequest(arguments, root: spec(for: arguments)) {
        case .help(let text):
            StandardStreams.write(text)
        case .version(let text):
            StandardStreams.write(text + "\n")
        case .usageError(let error, let command, let path):
            reportUsage(error, command: command, path: path)
            exit(64)
        case .run(let command, let parsed):
            guard let type = Self.command(named: command.name) else { exit(70) }
            exit(await run(type, parsed, path: "\(name) \(command.name)"))
        }
        exit(0)
    }

    /// Runs one subcommand; its exit status.
    static func run(_ type: any AgentSubcommand.Type, _ parsed: ParsedCommandLine, path: String) async -> Int32 {
        do {
            let command = try type.init(parsed)
            if try !command.runOnThisThread() { try await command.runConcurrently() }
            return 0
        } catch let error as CommandLineError {
            reportUsage(error, command: type.spec, path: path)
            return 64
        } catch let exit as CommandExit {
            return exit.status
        } catch {
            StandardStreams.writeError("Error: \(error)\n")
            return 1
        }
    }

    static func reportUsage(_ error: CommandLineError, command: CommandSpec, path: String) {
        StandardStreams.writeError("Error: \(error)\n" + HelpText.usageHint(command, path: path))
    }
}
