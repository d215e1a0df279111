/// A command as the parser and its help text see it: name, one-line abstract, optional longer
/// discussion, positional arguments, options, and subcommands (the root command's).
///
/// ```swift
/// static let spec = CommandSpec(
///     name: "responder", abstract: "Answer iperf3-protocol throughput tests.",
///     options: [port, once, json])
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
        options: [any OptionDeclaration] = [], subcommands: [CommandSpec] = [], version: String? = nil
    ) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.arguments = arguments
        self.options = options.map(\.spec)
        self.subcommands = subcommands
        self.version = version
        var seen = Set<String>()
        for option in self.options {
            for name in [option.long.map { "--\($0)" }, option.short.map { "-\($0)" }].compactMap({ $0 }) {
                precondition(seen.insert(name).inserted, "\(self.name): option \(name) declared twice")
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
