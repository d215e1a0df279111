/// `--config FILE`: an option with no default; reads as nil when absent, or as every given value
/// in order (``ParsedCommandLine/values(_:)``) when it may repeat.
///
/// ```swift
/// static let config = ValueOption<String>("config", help: "TOML config file.")
/// let path = try parsed.value(Self.config)  // String?
/// ```
///
/// A command's ``CommandSpec`` lists the option as its `spec`. `Value` is constrained where the
/// option is made and read, not on the type: the metadata of `ValueOption<Int>`, should anything
/// need it, then needs no conformance lookup (each scans every conformance record of the binary).
public struct ValueOption<Value: Sendable>: Sendable {
    public let spec: OptionSpec

    public init(_ long: String?, short: Character? = nil, help: String) where Value: CommandLineValue {
        spec = OptionSpec(long: long, short: short, kind: .value, help: help)
    }
}

/// `--port N` with a default the help text shows; reads as the default when absent.
///
/// ```swift
/// static let port = DefaultedOption("port", default: 5201, help: "Server port.")
/// let port = try parsed.value(Self.port)  // Int
/// ```
///
/// `Value` is constrained where the option is made and read, as for ``ValueOption``.
public struct DefaultedOption<Value: Sendable>: Sendable {
    public let spec: OptionSpec
    public let defaultValue: Value

    public init(_ long: String?, short: Character? = nil, default defaultValue: Value, help: String)
    where Value: CommandLineValue {
        self.defaultValue = defaultValue
        spec = OptionSpec(
            long: long, short: short, kind: .value, help: help, defaultText: defaultValue.commandLineText)
    }
}

/// `--json`, `-4`, or with `invertible` the pair `--hostnames`/`--no-hostnames`.
///
/// ```swift
/// static let hostnames = FlagOption("hostnames", invertible: true, default: true, help: "Look up hop names.")
/// let lookUp = parsed.flag(Self.hostnames)
/// ```
public struct FlagOption: Sendable {
    public let spec: OptionSpec
    public let defaultValue: Bool

    public init(
        _ long: String?, short: Character? = nil, invertible: Bool = false, default defaultValue: Bool = false,
        help: String
    ) {
        self.defaultValue = defaultValue
        let defaultText = invertible ? "--\(defaultValue ? "" : "no-")\(long ?? "")" : nil
        spec = OptionSpec(
            long: long, short: short, kind: invertible ? .invertibleFlag : .flag, help: help, defaultText: defaultText)
    }
}

/// A required positional argument, `DEST` in `trace DEST`.
public struct PositionalArgument: Sendable, Equatable {
    public let name: String
    public let help: String

    public init(_ name: String, help: String) {
        self.name = name
        self.help = help
    }

    /// `<dest>`, as the usage line and errors spell it.
    var placeholder: String { "<\(name)>" }
}
