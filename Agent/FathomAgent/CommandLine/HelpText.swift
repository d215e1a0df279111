/// The `--help` text and the usage line of a command, laid out as ArgumentParser did (OVERVIEW,
/// USAGE, ARGUMENTS, OPTIONS, SUBCOMMANDS; help in a column at 26, wrapped at 80), so the man
/// pages `help2man` builds from it keep their shape.
public enum HelpText {
    static let column = 26
    static let width = 80

    /// The full help of `spec`, invoked as `path` (e.g. `fathom-agent trace`).
    public static func help(_ spec: CommandSpec, path: String) -> String {
        var text = wrap("OVERVIEW: \(spec.abstract)", width: width).joined(separator: "\n") + "\n"
        if let discussion = spec.discussion {
            text += "\n" + wrap(discussion, width: width).joined(separator: "\n") + "\n"
        }
        text += "\nUSAGE: \(usage(spec, path: path))\n"
        if !spec.arguments.isEmpty {
            text += "\nARGUMENTS:\n"
            for argument in spec.arguments { text += entry(argument.placeholder, argument.help) }
        }
        text += "\nOPTIONS:\n"
        for option in spec.options {
            let help = option.defaultText.map { "\(option.help) (default: \($0))" } ?? option.help
            text += entry(option.helpLabel, help)
        }
        if spec.version != nil { text += entry("--version", "Show the version.") }
        text += entry("-h, --help", "Show help information.")
        if !spec.subcommands.isEmpty {
            text += "\nSUBCOMMANDS:\n"
            for command in spec.subcommands { text += entry(command.name, command.abstract) }
            text += "\n  See '\(path) help <subcommand>' for detailed help.\n"
        }
        return text
    }

    /// `fathom-agent trace <dest> [<options>]`: every option when the line stays short, else a summary.
    public static func usage(_ spec: CommandSpec, path: String) -> String {
        if !spec.subcommands.isEmpty { return "\(path) <subcommand>" }
        var words = [path] + spec.arguments.map(\.placeholder)
        let listed = spec.options.map { "[\($0.usageName)]" }
        let line = (words + listed).joined(separator: " ")
        if line.count + "USAGE: ".count <= width {
            return line
        }
        if !spec.options.isEmpty { words.append("[<options>]") }
        return words.joined(separator: " ")
    }

    /// What follows `Error: …` on stderr after a command line that cannot run.
    public static func usageHint(_ spec: CommandSpec, path: String) -> String {
        "Usage: \(usage(spec, path: path))\n  See '\(path) --help' for more information.\n"
    }

    /// One label with its help text in the column, the label alone on its line when it is too long.
    static func entry(_ label: String, _ help: String) -> String {
        let lines = wrap(help, width: width - column)
        let indent = String(repeating: " ", count: column)
        var text = "  " + label
        if text.count + 2 > column {
            text += "\n" + indent
        } else {
            text += String(repeating: " ", count: column - text.count)
        }
        text += lines.joined(separator: "\n" + indent)
        return text + "\n"
    }

    /// Words into lines of at most `width` characters (a longer word keeps its own line); line
    /// breaks in the text are kept.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                if line.isEmpty {
                    line = String(word)
                } else if line.count + 1 + word.count <= width {
                    line += " " + word
                } else {
                    lines.append(line)
                    line = String(word)
                }
            }
            lines.append(line)
        }
        return lines
    }
}
