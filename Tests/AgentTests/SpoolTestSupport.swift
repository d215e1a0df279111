import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh directory under /tmp for one spool test, with raw file helpers so tests can damage
/// spool files by hand exactly as a crash or a bad disk would.
struct SpoolTestDirectory: ~Copyable {
    let path: String

    init() {
        var template = Array("/tmp/fathom-spool-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(cString: made!)
    }

    deinit { Self.removeTree(path) }

    var spoolPath: String { path + "/spool" }

    func names(in relative: String = "spool") -> [String] {
        guard let dir = opendir(path + "/" + relative) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    func read(_ relative: String) -> [UInt8] {
        let fd = open(path + "/" + relative, O_RDONLY)
        precondition(fd >= 0, "cannot open \(relative)")
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }

    func write(_ relative: String, _ bytes: [UInt8]) {
        let fd = open(path + "/" + relative, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot create \(relative)")
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        precondition(written == bytes.count)
    }

    func mode(_ relative: String) -> mode_t {
        var info = stat()
        precondition(stat(path + "/" + relative, &info) == 0)
        return info.st_mode & 0o777
    }

    private static func removeTree(_ path: String) {
        if let dir = opendir(path) {
            var children: [(String, Bool)] = []
            while let entry = readdir(dir) {
                let name = withUnsafePointer(to: &entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name != "." && name != ".." { children.append((name, entry.pointee.d_type == DT_DIR)) }
            }
            closedir(dir)
            for (name, isDirectory) in children {
                if isDirectory { removeTree(path + "/" + name) } else { unlink(path + "/" + name) }
            }
        }
        rmdir(path)
    }
}

/// Collects log messages so tests can check what the spool told the operator.
final class RecordedLogs: Sendable {
    private let entries = Mutex<[(Logger.Level, String)]>([])

    var logger: Logger {
        Logger(label: "test.spool") { _ in RecordingLogHandler(sink: self) }
    }

    func record(_ level: Logger.Level, _ message: String) {
        entries.withLock { $0.append((level, message)) }
    }

    func messages(at level: Logger.Level) -> [String] {
        entries.withLock { $0.filter { $0.0 == level }.map(\.1) }
    }
}

private struct RecordingLogHandler: LogHandler {
    let sink: RecordedLogs
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    func log(event: LogEvent) {
        let extra = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        sink.record(event.level, ([event.message.description] + extra).joined(separator: " "))
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}
