/// A type an option's value converts to: `--port 5201` is an `Int`, `--interval 0.5` a `Double`.
/// A text that does not convert is a usage error naming the option (exit 64).
public protocol CommandLineValue: Sendable {
    /// The value `text` spells, or nil when it is not one.
    init?(commandLineText text: String)
    /// How the help text shows the value as a default.
    var commandLineText: String { get }
}

extension String: CommandLineValue {
    public init?(commandLineText text: String) { self = text }
    public var commandLineText: String { self }
}

extension Int: CommandLineValue {
    public init?(commandLineText text: String) { self.init(text) }
    public var commandLineText: String { String(self) }
}

extension Double: CommandLineValue {
    public init?(commandLineText text: String) { self.init(text) }
    public var commandLineText: String {
        // 1.0 shows as 1.0 and 0.5 as 0.5: Swift's shortest round-trip spelling.
        "\(self)"
    }
}
