/// What a command line asks of a program with subcommands: run one, show a help text, show the
/// version, or nothing it can do (a usage error, to be printed with the failing command's usage).
///
/// ```swift
/// switch CommandLineRequest(Array(CommandLine.arguments.dropFirst()), root: AgentMain.spec) {
/// case .run(let command, let parsed): …
/// case .help(let text): StandardStreams.write(text)
/// case .version(let text): StandardStreams.write(text + "\n")
/// case .usageError(let error, let command, let path): …  // stderr, exit 64
/// }
/// ```
public enum CommandLineRequest: Sendable {
    /// Run the subcommand `command` with its parsed arguments.
    case run(command: CommandSpec, parsed: ParsedCommandLine)
    /// `--help`, `-h`, `help [SUBCOMMAND]`, or no subcommand at all: this text on stdout, exit 0.
    case help(String)
    /// `--version`: this line on stdout, exit 0.
    case version(String)
    /// Exit 64 after `Error: <error>` and the usage of `command`, invoked as `path`.
    case usageError(CommandLineError, command: CommandSpec, path: String)

    /// The request `arguments` (without the program name) makes of `root` and its subcommands.
    public init(_ arguments: [String], root: CommandSpec) {
        guard let first = arguments.first, first != "-h", first != "--help" else {
            self = .help(HelpText.help(root, path: root.name))
            return
        }
        if first == "--version", let version = root.version {
            self = .version(version)
            return
        }
        if first == "help" {
            let named = arguments.dropFirst().first
            guard let named else {
                self = .help(HelpText.help(root, path: root.name))
                return
            }
            guard let command = root.subcommands.first(where: { $0.name == named }) else {
                self = .usageError(.unexpectedArgument(named), command: root, path: root.name)
                return
            }
            self = .help(HelpText.help(command, path: "\(root.name) \(command.name)"))
            return
        }
        guard let command = root.subcommands.first(where: { $0.name == first }) else {
            let error: CommandLineError = first.hasPrefix("-") ? .unknownOption(first) : .unexpectedArgument(first)
            self = .usageError(error, command: root, path: root.name)
            return
        }
        let path = "\(root.name) \(command.name)"
        do {
            let parsed = try ParsedCommandLine(arguments.dropFirst(), spec: command)
            self =
                parsed.helpRequested
                ? .help(HelpText.help(command, path: path)) : .run(command: command, parsed: parsed)
        } catch {
            self = .usageError(error, command: command, path: path)
        }
    }
}
