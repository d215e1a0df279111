/// A command line that cannot run: an unknown option, a missing or malformed value, a missing
/// argument, or a value the command refuses. The agent prints it with the command's usage on
/// stderr and exits 64 (EX_USAGE), as ArgumentParser did.
public struct CommandLineError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    static func unknownOption(_ text: String) -> CommandLineError {
        CommandLineError("Unknown option '\(text)'")
    }

    static func missingValue(_ option: OptionSpec) -> CommandLineError {
        CommandLineError("Missing value for '\(option.usageName)'")
    }

    static func invalidValue(_ text: String, _ option: OptionSpec) -> CommandLineError {
        CommandLineError("The value '\(text)' is invalid for '\(option.usageName)'")
    }

    static func unexpectedArgument(_ text: String) -> CommandLineError {
        CommandLineError("Unexpected argument '\(text)'")
    }

    static func missingArgument(_ argument: PositionalArgument) -> CommandLineError {
        CommandLineError("Missing expected argument '\(argument.placeholder)'")
    }
}

/// Ends a command with this exit status and no further message (the command has said why):
/// `trace` exits 1 when the destination did not answer, 2 when the trace could not run.
public struct CommandExit: Error, Sendable, Equatable {
    public let status: Int32

    public init(_ status: Int32) {
        self.status = status
    }
}
