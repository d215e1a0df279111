import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Log lines to stderr; under systemd with stderr connected to the journal (`JOURNAL_STREAM`
/// names stderr's device and inode) each line carries a `<N>` syslog priority prefix so journald
/// files it at the right level.
///
/// ```swift
/// let logger = FathomLogging.bootstrap(label: "fathom-agent")
/// ```
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public let label: String
    public let journalPrefixes: Bool

    public init(label: String, level: Logger.Level, journalPrefixes: Bool) {
        self.label = label
        self.logLevel = level
        self.journalPrefixes = journalPrefixes
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// syslog priority for a swift-log level.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        var all = metadata
        if let explicit { all.merge(explicit) { $1 } }
        let meta =
            all.isEmpty
            ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let text: String
        if journalPrefixes {
            text = "<\(Self.priority(level))>\(message)\(meta)\n"
        } else {
            text = "\(level): \(message)\(meta)\n"
        }
        // One write(2) per line keeps lines from concurrent loggers whole.
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}

public enum FathomLogging {
    /// True when stderr is the journal stream systemd set up for this service.
    public static func stderrIsJournal() -> Bool {
        guard let env = getenv("JOURNAL_STREAM") else { return false }
        let parts = String(cString: env).split(separator: ":")
        guard parts.count == 2, let dev = UInt64(parts[0]), let ino = UInt64(parts[1]) else { return false }
        var st = stat()
        guard fstat(2, &st) == 0 else { return false }
        return UInt64(st.st_dev) == dev && UInt64(st.st_ino) == ino
    }

    /// Installs the handler process-wide (level from `FATHOM_LOG_LEVEL`, default info).
    @discardableResult
    public static func bootstrap(label: String) -> Logger {
        let level = getenv("FATHOM_LOG_LEVEL").flatMap { Logger.Level(rawValue: String(cString: $0)) } ?? .info
        let journal = stderrIsJournal()
        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: level, journalPrefixes: journal) }
        return Logger(label: label)
    }
}
