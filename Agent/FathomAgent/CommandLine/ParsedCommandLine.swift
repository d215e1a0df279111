/// One command's arguments, parsed strictly against its ``CommandSpec``: every option must be
/// declared, every value present, the positional arguments exactly those declared. Values are
/// converted when read, so a malformed number is an error naming its option.
///
/// ```swift
/// let parsed = try ParsedCommandLine(["--port", "5202", "--once"], spec: ResponderCommand.spec)
/// let port = try parsed.value(ResponderCommand.port)  // 5202
/// ```
///
/// Spellings: `--name value`, `--name=value`, `-c value`, `-c5`, grouped short flags (`-46`),
/// `--no-name` for invertible flags, `--` ending the options. A value may start with `-` only when
/// it is a number (`--offset -3`), so a forgotten value is reported rather than eating the next option.
public struct ParsedCommandLine: Sendable {
    /// `-h` or `--help` was given: the caller prints the help text instead of running.
    public private(set) var helpRequested = false
    /// What the line gave, in order, as pairs in two parallel arrays: under an option's
    /// ``OptionSpec/key`` each of its values, or for a flag `true` (`--name`) or `false`
    /// (`--no-name`); under `<name>` each positional argument. Plain arrays of strings, which
    /// the runtime has already made at start, where dictionaries would each cost a metadata
    /// instantiation and a conformance lookup (a few lines of options, so scanning is cheap).
    private var keys: [String] = []
    private var texts: [String] = []

    private mutating func record(_ key: String, _ text: String) {
        keys.append(key)
        texts.append(text)
    }

    /// The last text recorded under `key`.
    private func last(_ key: String) -> String? {
        keys.lastIndex(of: key).map { texts[$0] }
    }

    public init(_ arguments: some Sequence<String>, spec: CommandSpec) throws(CommandLineError) {
        var rest = ArraySlice(arguments)
        // `--help` anywhere before `--` wins over whatever else is wrong with the line.
        if rest.prefix(while: { $0 != "--" }).contains(where: { $0 == "-h" || $0 == "--help" }) {
            helpRequested = true
            return
        }
        var loose: [String] = []
        while let argument = rest.popFirst() {
            if argument == "--" {
                loose += rest
                break
            } else if argument.hasPrefix("--") {
                try take(long: argument.dropFirst(2), in: spec, rest: &rest)
            } else if Self.isShortOption(argument, in: spec) {
                try take(short: argument.dropFirst(), in: spec, rest: &rest)
            } else {
                loose.append(argument)
            }
        }
        if loose.count > spec.arguments.count { throw .unexpectedArgument(loose[spec.arguments.count]) }
        if loose.count < spec.arguments.count { throw .missingArgument(spec.arguments[loose.count]) }
        for index in loose.indices { record(spec.arguments[index].placeholder, loose[index]) }
    }

    /// `--name`, `--no-name` or `--name=value`.
    private mutating func take(
        long text: Substring, in spec: CommandSpec, rest: inout ArraySlice<String>
    ) throws(CommandLineError) {
        let name = text.firstIndex(of: "=").map { text[..<$0] } ?? text
        let attached = text.firstIndex(of: "=").map { String(text[text.index(after: $0)...]) }
        guard let (option, negated) = spec.option(long: String(name)) else { throw .unknownOption("--\(name)") }
        switch option.kind {
        case .flag, .invertibleFlag:
            if attached != nil { throw CommandLineError("'--\(name)' takes no value") }
            record(option.key, negated ? "false" : "true")
        case .value:
            if let attached {
                record(option.key, attached)
            } else {
                record(option.key, try Self.nextValue(for: option, in: spec, rest: &rest))
            }
        }
    }

    /// `-c value`, `-c5`, or grouped flags such as `-46`.
    private mutating func take(
        short text: Substring, in spec: CommandSpec, rest: inout ArraySlice<String>
    ) throws(CommandLineError) {
        var letters = text[...]
        while let letter = letters.popFirst() {
            guard let option = spec.option(short: letter) else { throw .unknownOption("-\(letter)") }
            switch option.kind {
            case .flag, .invertibleFlag:
                record(option.key, "true")
            case .value:
                if letters.isEmpty {
                    record(option.key, try Self.nextValue(for: option, in: spec, rest: &rest))
                } else {
                    record(option.key, String(letters))
                }
                return
            }
        }
    }

    private static func nextValue(
        for option: OptionSpec, in spec: CommandSpec, rest: inout ArraySlice<String>
    ) throws(CommandLineError) -> String {
        guard let next = rest.first, !next.hasPrefix("--"), !isShortOption(next, in: spec) else {
            throw .missingValue(option)
        }
        return rest.removeFirst()
    }

    /// `-c`, `-46`, `-x`: options (unknown ones too, to be refused); `-`, `-3`, `-0.5` are values,
    /// unless the command declares the digit as a short option (`-4`, `-6`).
    private static func isShortOption(_ text: String, in spec: CommandSpec) -> Bool {
        guard text.hasPrefix("-"), !text.hasPrefix("--"), let letter = text.dropFirst().first else { return false }
        return spec.option(short: letter) != nil || Double(text) == nil
    }

    /// The last value given for `option`, or nil.
    public func value<Value: CommandLineValue>(_ option: ValueOption<Value>) throws(CommandLineError) -> Value? {
        guard let text = last(option.spec.key) else { return nil }
        return try Self.convert(text, option.spec)
    }

    /// The last value given for `option`, or its default.
    public func value<Value: CommandLineValue>(_ option: DefaultedOption<Value>) throws(CommandLineError) -> Value {
        guard let text = last(option.spec.key) else { return option.defaultValue }
        return try Self.convert(text, option.spec)
    }

    /// Every value given for a repeatable option, in order.
    public func values<Value: CommandLineValue>(_ option: ValueOption<Value>) throws(CommandLineError) -> [Value] {
        var values: [Value] = []
        for index in keys.indices where keys[index] == option.spec.key {
            values.append(try Self.convert(texts[index], option.spec))
        }
        return values
    }

    /// Whether the flag is on: its last spelling, else its default.
    public func flag(_ option: FlagOption) -> Bool {
        last(option.spec.key).map { $0 == "true" } ?? option.defaultValue
    }

    /// The text of a declared positional argument (present once parsing succeeded).
    public func argument(_ argument: PositionalArgument) -> String {
        last(argument.placeholder) ?? ""
    }

    private static func convert<Value: CommandLineValue>(
        _ text: String, _ option: OptionSpec
    ) throws(CommandLineError) -> Value {
        guard let value = Value(commandLineText: text) else { throw .invalidValue(text, option) }
        return value
    }
}
