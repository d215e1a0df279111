/// A command as the parser and its help text see it: name, one-line abstract, optional longer
/// discussion, positional arguments, options, and subcommands (the root command's).
///
/// Built at every start of a one-shot command, so built from plain values: the options come as
/// their ``OptionSpec``s (`port.spec`), not boxed typed handles, and names are checked for
/// duplicates by scanning, not in a `Set` (each boxed generic handle and each hashed collection
/// type costs the runtime a metadata instantiation, tens of microseconds in all at start).
///
/// ```swift
/// static let spec = CommandSpec(
///     name: "responder", abstract: "Answer iperf3-protocol throughput tests.",
///     options: [port.spec, once.spec, json.spec])
/// ```
public struct CommandSpec: Sendable {
    public let name: String
    public let abstract: String
    public let discussion: String?
    public let arguments: [PositionalArgument]
    public let options: [OptionSpec]
    public let subcommands: [CommandSpec]
    /// Shown by `--version` (the root command's).
    public let version: String?

    public init(
        name: String, abstract: String, discussion: String? = nil, arguments: [PositionalArgument] = [],
        options: [OptionSpec] = [], subcommands: [CommandSpec] = [], version: String? = nil
    ) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.arguments = arguments
        self.options = options
        self.subcommands = subcommands
        self.version = version
        for (index, option) in options.enumerated() {
            for earlier in options[..<index] {
                if let long = option.long, earlier.long == long {
                    preconditionFailure("\(name): option --\(long) declared twice")
                }
                if let short = option.short, earlier.short == short {
                    preconditionFailure("\(name): option -\(short) declared twice")
                }
            }
        }
    }

    /// The option `--name` or, for an invertible flag, `--no-name` names; with whether it was the `no-` form.
    func option(long name: String) -> (spec: OptionSpec, negated: Bool)? {
        if let spec = options.first(where: { $0.long == name }) { return (spec, false) }
        let positive = String(name.dropFirst(3))
        if name.hasPrefix("no-"), let spec = options.first(where: { $0.long == positive }),
            spec.kind == OptionSpec.Kind.invertibleFlag
        {
            return (spec, true)
        }
        return nil
    }

    func option(short name: Character) -> OptionSpec? {
        options.first { $0.short == name }
    }
}
