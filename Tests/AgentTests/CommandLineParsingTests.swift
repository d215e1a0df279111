import FathomAgent
import Testing

/// The agent's own command-line parser against a command declared like the real ones: every
/// spelling the scripts, units and tests use, and each malformed line refused with the message
/// ArgumentParser gave.
@Suite(.timeLimit(.minutes(1))) struct CommandLineParsingTests {
    static let dest = PositionalArgument("dest", help: "Destination name or address.")
    static let count = DefaultedOption("count", short: "c", default: 10, help: "Echo requests to send.")
    static let interval = DefaultedOption("interval", short: "i", default: 1.0, help: "Seconds between requests.")
    static let config = ValueOption<String>("config", help: "TOML config file.")
    static let receiver = ValueOption<String>("receiver", help: "Receiver base URL; repeat it to fail over.")
    static let json = FlagOption("json", help: "Print JSON.")
    static let noDelay = FlagOption("no-delay", help: "TCP_NODELAY.")
    static let hostnames = FlagOption("hostnames", invertible: true, default: true, help: "Look up hop names.")
    static let ipv4 = FlagOption(nil, short: "4", help: "Use IPv4.")
    static let ipv6 = FlagOption(nil, short: "6", help: "Use IPv6.")

    static let trace = CommandSpec(
        name: "trace", abstract: "Trace the path to DEST.", discussion: "Exit status: 0 when it answered.",
        arguments: [dest],
        options: [
            count.spec, interval.spec, config.spec, receiver.spec, json.spec, noDelay.spec, hostnames.spec, ipv4.spec,
            ipv6.spec,
        ])
    static let sample = CommandSpec(name: "sample", abstract: "Print one sample.", options: [json.spec])
    static let root = CommandSpec(
        name: "fathom-agent", abstract: "Samples jobs.", subcommands: [trace, sample], version: "1.2.3")

    func parse(_ arguments: [String]) throws(CommandLineError) -> ParsedCommandLine {
        try ParsedCommandLine(arguments, spec: Self.trace)
    }

    @Test func valuesFlagsAndDefaults() throws {
        let parsed = try parse(["host", "--count", "5", "--interval=0.25", "--json", "--no-hostnames"])
        #expect(parsed.argument(Self.dest) == "host")
        #expect(try parsed.value(Self.count) == 5)
        #expect(try parsed.value(Self.interval) == 0.25)
        #expect(parsed.flag(Self.json) && !parsed.flag(Self.noDelay) && !parsed.flag(Self.hostnames))
        #expect(try parsed.value(Self.config) == nil)

        let defaults = try parse(["host"])
        #expect(try defaults.value(Self.count) == 10 && defaults.value(Self.interval) == 1.0)
        #expect(defaults.flag(Self.hostnames) && !defaults.flag(Self.json))
    }

    @Test func shortOptionsGroupsAndNegativeNumbers() throws {
        let parsed = try parse(["-c", "3", "-i0.5", "-46", "host"])
        #expect(try parsed.value(Self.count) == 3 && parsed.value(Self.interval) == 0.5)
        #expect(parsed.flag(Self.ipv4) && parsed.flag(Self.ipv6))
        // A negative number is a value (refused later by the command), not an unknown option.
        #expect(try parse(["host", "--count", "-2"]).value(Self.count) == -2)
        #expect(try parse(["--", "-host"]).argument(Self.dest) == "-host")
    }

    @Test func repeatedOptionsKeepEveryValueAndTheLastWins() throws {
        let parsed = try parse([
            "host", "--receiver", "https://a:8443", "--receiver=https://b:8443", "-c", "1", "-c", "2",
        ])
        #expect(try parsed.values(Self.receiver) == ["https://a:8443", "https://b:8443"])
        #expect(try parsed.value(Self.receiver) == "https://b:8443")
        #expect(try parsed.value(Self.count) == 2)
        let flipped = try parse(["host", "--no-hostnames", "--hostnames"])
        #expect(flipped.flag(Self.hostnames))
    }

    @Test func malformedLinesAreRefusedWithArgumentParsersMessages() throws {
        #expect(throws: CommandLineError("Unknown option '--bogus'")) { try parse(["host", "--bogus"]) }
        #expect(throws: CommandLineError("Unknown option '-x'")) { try parse(["host", "-x"]) }
        #expect(throws: CommandLineError("Unknown option '--no-json'")) { try parse(["host", "--no-json"]) }
        #expect(throws: CommandLineError("Missing value for '--config <config>'")) { try parse(["host", "--config"]) }
        #expect(throws: CommandLineError("Missing value for '--config <config>'")) {
            try parse(["host", "--config", "--json"])
        }
        #expect(throws: CommandLineError("Missing value for '--count <count>'")) { try parse(["host", "-c", "-4"]) }
        #expect(throws: CommandLineError("Missing expected argument '<dest>'")) { try parse(["--json"]) }
        #expect(throws: CommandLineError("Unexpected argument 'two'")) { try parse(["one", "two"]) }
        #expect(throws: CommandLineError("'--json' takes no value")) { try parse(["host", "--json=yes"]) }
        let parsed = try parse(["host", "--count", "five", "--interval", "soon"])
        #expect(throws: CommandLineError("The value 'five' is invalid for '--count <count>'")) {
            try parsed.value(Self.count)
        }
        #expect(throws: CommandLineError("The value 'soon' is invalid for '--interval <interval>'")) {
            try parsed.value(Self.interval)
        }
    }

    @Test func requestsPickTheSubcommandHelpOrVersion() throws {
        guard case .run(let command, let parsed) = CommandLineRequest(["trace", "h", "--json"], root: Self.root) else {
            Issue.record("trace was not run")
            return
        }
        #expect(command.name == "trace" && parsed.flag(Self.json) && parsed.argument(Self.dest) == "h")
        guard case .version(let version) = CommandLineRequest(["--version"], root: Self.root) else {
            Issue.record("--version was not the version")
            return
        }
        #expect(version == "1.2.3")
        for arguments in [[], ["--help"], ["-h"], ["help"]] {
            guard case .help(let text) = CommandLineRequest(arguments, root: Self.root) else {
                Issue.record("\(arguments) was not the root help")
                continue
            }
            #expect(text.hasPrefix("OVERVIEW: Samples jobs.\n\nUSAGE: fathom-agent <subcommand>\n"), "\(text)")
            #expect(text.contains("\nSUBCOMMANDS:\n  trace                   Trace the path to DEST.\n"), "\(text)")
            #expect(text.contains("  --version               Show the version.\n"), "\(text)")
        }
        for arguments in [["trace", "--help"], ["help", "trace"], ["trace", "-h", "--bogus"]] {
            guard case .help(let text) = CommandLineRequest(arguments, root: Self.root) else {
                Issue.record("\(arguments) was not trace's help")
                continue
            }
            #expect(text.hasPrefix("OVERVIEW: Trace the path to DEST.\n\nExit status: 0 when it answered.\n"))
        }
    }

    @Test func usageErrorsNameTheCommandThatFailed() {
        guard case .usageError(let error, let command, let path) = CommandLineRequest(["bogus"], root: Self.root)
        else {
            Issue.record("an unknown subcommand ran")
            return
        }
        #expect(error == CommandLineError("Unexpected argument 'bogus'") && command.name == "fathom-agent")
        #expect(path == "fathom-agent")
        guard case .usageError(let error, let command, _) = CommandLineRequest(["--frobnicate"], root: Self.root)
        else {
            Issue.record("an unknown root option was accepted")
            return
        }
        #expect(error == CommandLineError("Unknown option '--frobnicate'") && command.name == "fathom-agent")
        guard
            case .usageError(let error, let command, let path) = CommandLineRequest(
                ["sample", "--rollup"], root: Self.root)
        else {
            Issue.record("an unknown sample option was accepted")
            return
        }
        #expect(error == CommandLineError("Unknown option '--rollup'") && command.name == "sample")
        #expect(
            HelpText.usageHint(command, path: path)
                == "Usage: fathom-agent sample [--json]\n  See 'fathom-agent sample --help' for more information.\n")
    }

    @Test func helpTextLaysOutOptionsLikeArgumentParser() {
        let text = HelpText.help(Self.trace, path: "fathom-agent trace")
        let expected = """
            OVERVIEW: Trace the path to DEST.

            Exit status: 0 when it answered.

            USAGE: fathom-agent trace <dest> [<options>]

            ARGUMENTS:
              <dest>                  Destination name or address.

            OPTIONS:
              -c, --count <count>     Echo requests to send. (default: 10)
              -i, --interval <interval>
                                      Seconds between requests. (default: 1.0)
              --config <config>       TOML config file.
              --receiver <receiver>   Receiver base URL; repeat it to fail over.
              --json                  Print JSON.
              --no-delay              TCP_NODELAY.
              --hostnames/--no-hostnames
                                      Look up hop names. (default: --hostnames)
              -4                      Use IPv4.
              -6                      Use IPv6.
              -h, --help              Show help information.

            """
        #expect(text == expected, "\(text)")
    }

    @Test func longHelpWrapsAtEightyColumns() {
        let long = ValueOption<String>(
            "exclude", help: "Never sample interfaces matching this glob (repeatable; default: lo and every veth).")
        let text = HelpText.help(CommandSpec(name: "x", abstract: "X.", options: [long.spec]), path: "x")
        #expect(
            text.contains(
                "  --exclude <exclude>     Never sample interfaces matching this glob\n"
                    + "                          (repeatable; default: lo and every veth).\n"), "\(text)")
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 })
    }
}
