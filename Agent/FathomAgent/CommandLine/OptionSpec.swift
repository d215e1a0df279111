/// One option as the parser and the help text see it: its names, whether it takes a value, its
/// help line and the default the help shows. Commands declare options through the typed handles
/// (``ValueOption``, ``DefaultedOption``, ``FlagOption``), which carry one of these.
public struct OptionSpec: Sendable, Equatable {
    /// What follows the option's name on the command line.
    public enum Kind: Sendable, Equatable {
        /// `--json`: present or not.
        case flag
        /// `--hostnames` / `--no-hostnames`: the last one given wins.
        case invertibleFlag
        /// `--port 5201` or `--port=5201`; repeatable, the last one wins unless read as a list.
        case value
    }

    /// The long name without dashes (`max-hops`); nil for a short-only option such as `-4`.
    public let long: String?
    /// The one-letter name (`c` for `-c`), if any.
    public let short: Character?
    public let kind: Kind
    public let help: String
    /// What the help text shows as the default, e.g. `5201` or `--hostnames`.
    public let defaultText: String?

    public init(long: String?, short: Character? = nil, kind: Kind, help: String, defaultText: String? = nil) {
        precondition(long != nil || short != nil, "an option needs a name")
        self.long = long
        self.short = short
        self.kind = kind
        self.help = help
        self.defaultText = defaultText
    }

    /// The key the parsed values are stored under: the long name, else the short one.
    public var key: String { long ?? short.map { String($0) } ?? "" }

    /// The placeholder of the value, `<max-hops>` (ArgumentParser's spelling).
    var valueName: String { "<\(key)>" }

    /// How the option is named in an error or the usage line: `--port <port>`, `-4`, `--json`.
    var usageName: String {
        let name = long.map { "--\($0)" } ?? "-\(key)"
        switch kind {
        case .value: return "\(name) \(valueName)"
        case .flag: return name
        case .invertibleFlag: return "\(name)/--no-\(key)"
        }
    }

    /// The left column of the help text: `-c, --count <count>`, `--hostnames/--no-hostnames`.
    var helpLabel: String {
        var names: [String] = []
        if let short { names.append("-\(short)") }
        if let long {
            names.append(kind == .invertibleFlag ? "--\(long)/--no-\(long)" : "--\(long)")
        }
        let label = names.joined(separator: ", ")
        return kind == .value ? "\(label) \(valueName)" : label
    }
}
