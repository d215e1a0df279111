/// A configuration file's problem, with the key it concerns.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Typed, checked access to one table of a TOML config file. Unknown keys are errors, so a typo
/// in an operator's config is reported instead of silently ignored.
///
/// ```swift
/// let section = ConfigSection(table: try TOMLTable.parse(text), path: "")
/// let port = try section.int("port") ?? 8443
/// try section.rejectUnknownKeys(allowed: ["port"])
/// ```
public struct ConfigSection: Sendable {
    public let table: TOMLTable
    /// Dotted prefix for error messages ("" for the root table).
    public let path: String

    public init(table: TOMLTable, path: String = "") {
        self.table = table
        self.path = path
    }

    /// Parses a whole file's text, turning TOML syntax errors into `ConfigError`.
    public static func parse(_ text: String, fileName: String) throws(ConfigError) -> ConfigSection {
        do {
            return ConfigSection(table: try TOMLTable.parse(text))
        } catch {
            throw ConfigError("\(fileName): \(error)")
        }
    }

    private func name(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    private func wrong(_ key: String, _ expected: String) -> ConfigError {
        ConfigError("config key '\(name(key))' must be \(expected), found \(table[key]?.typeName ?? "nothing")")
    }

    public func string(_ key: String) throws(ConfigError) -> String? {
        guard let v = table[key] else { return nil }
        guard let s = v.string else { throw wrong(key, "a string") }
        return s
    }

    public func int(_ key: String) throws(ConfigError) -> Int? {
        guard let v = table[key] else { return nil }
        guard let i = v.int else { throw wrong(key, "an integer") }
        return i
    }

    /// Integers are accepted where a number is wanted (`interval = 300` as well as `300.0`).
    public func double(_ key: String) throws(ConfigError) -> Double? {
        guard let v = table[key] else { return nil }
        if let d = v.double { return d }
        if let i = v.int { return Double(i) }
        throw wrong(key, "a number")
    }

    public func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let v = table[key] else { return nil }
        guard let b = v.bool else { throw wrong(key, "true or false") }
        return b
    }

    public func strings(_ key: String) throws(ConfigError) -> [String]? {
        guard let v = table[key] else { return nil }
        guard let a = v.array else { throw wrong(key, "an array of strings") }
        var out: [String] = []
        for e in a {
            guard let s = e.string else { throw wrong(key, "an array of strings") }
            out.append(s)
        }
        return out
    }

    public func section(_ key: String) throws(ConfigError) -> ConfigSection? {
        guard let v = table[key] else { return nil }
        guard let t = v.table else { throw wrong(key, "a table") }
        return ConfigSection(table: t, path: name(key))
    }

    /// An array of tables (`[[key]]`), each a section named `key[i]`; nil when absent.
    public func tables(_ key: String) throws(ConfigError) -> [ConfigSection]? {
        guard let v = table[key] else { return nil }
        let problem = ConfigError("'\(name(key))' must be an array of tables: write [[\(key)]]")
        guard let array = v.array else { throw problem }
        var sections: [ConfigSection] = []
        for (index, element) in array.enumerated() {
            guard let t = element.table else { throw problem }
            sections.append(ConfigSection(table: t, path: "\(name(key))[\(index)]"))
        }
        return sections
    }

    public func rejectUnknownKeys(allowed: Set<String>) throws(ConfigError) {
        for key in table.keys where !allowed.contains(key) {
            throw ConfigError("unknown config key '\(name(key))'")
        }
    }
}
