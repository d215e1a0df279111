import FathomShared

/// A config key naming where uploads go: one URL, or a list of them to fail over between
/// (``FailoverOrder``). Checked when read, so a mistake names the entry it is in.
///
/// ```toml
/// [receiver]
/// url = ["https://r1.example:8443", "https://r2.example:8443"]
/// ```
public enum UploadURLList {
    /// The key's URLs: a string is a list of one. An empty list, an empty or scheme-less entry,
    /// or the same URL twice is an error that names the key and the entry.
    static func parse(_ section: ConfigSection, key: String) throws(ConfigError) -> [String]? {
        let name = section.path.isEmpty ? key : section.path + "." + key
        guard let value = section.table[key] else { return nil }
        let urls: [String]
        if let one = value.string {
            urls = [one]
        } else if value.array != nil, let many = try? section.strings(key) {
            urls = many
        } else {
            throw ConfigError("config key '\(name)' must be a URL or a list of URLs, found \(value.typeName)")
        }
        return try validate(urls, key: name)
    }

    /// `urls` from a config key or from repeated or comma-separated flags (`--receiver a,b`):
    /// the same checks as ``parse(_:key:)``.
    public static func validate(_ urls: [String], key: String) throws(ConfigError) -> [String] {
        guard !urls.isEmpty else { throw ConfigError("config key '\(key)' is an empty list; give at least one URL") }
        var seen: Set<String> = []
        for (index, url) in urls.enumerated() {
            let lower = url.lowercased()
            let host =
                lower.hasPrefix("https://") ? lower.dropFirst(8) : lower.hasPrefix("http://") ? lower.dropFirst(7) : nil
            guard let host, !host.isEmpty, !host.hasPrefix("/"), !url.contains(where: \.isWhitespace) else {
                throw entryError(
                    key: key, index: index, count: urls.count, ConfigError("'\(url)' is not an http(s):// URL"))
            }
            var normalized = lower
            while normalized.hasSuffix("/") { normalized.removeLast() }
            guard seen.insert(normalized).inserted else {
                throw entryError(key: key, index: index, count: urls.count, ConfigError("\(url) is listed twice"))
            }
        }
        return urls
    }

    /// `error` about one entry of the list, naming the key and, in a list of several, the entry.
    static func entryError(key: String, index: Int, count: Int, _ error: any Error) -> ConfigError {
        let entry = count > 1 ? "config key '\(key)' entry \(index + 1) of \(count)" : "config key '\(key)'"
        return ConfigError("\(entry): \(error)")
    }
}
