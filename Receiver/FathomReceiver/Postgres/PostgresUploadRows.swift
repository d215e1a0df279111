import FathomShared

/// A validated upload as the store's rows: each sample line with its parsed columns, each sysinfo
/// document, column by column (bound as arrays and unnested in one `INSERT` per table).
///
/// The day, cluster and host come from the file path the validator chose
/// (`<cluster>/<YYYY>/<MM>/<DD>/<host>.csv`, `…/sysinfo-<host>.json`), so a line lands in the
/// partition of the day file it would have been appended to; the line is stored as those bytes
/// without the newline.
///
/// ```swift
/// var rows = PostgresUploadRows()
/// rows.add(appends)
/// ```
struct PostgresUploadRows: Sendable {
    var day: [String] = []
    var cluster: [String] = []
    var host: [String] = []
    var time: [Int64] = []
    var user: [String] = []
    var job: [Int64] = []
    var cmd: [String] = []
    var line: [String] = []

    var sysinfoDay: [String] = []
    var sysinfoCluster: [String] = []
    var sysinfoHost: [String] = []
    var sysinfoTime: [Int64] = []
    var sysinfoDocument: [String] = []

    /// Every day a line of these rows falls on (the partitions they need).
    var days: Set<String> = []

    private static let fields = FreeCSVScanner(names: ["time", "user", "job", "cmd"])

    /// `path`'s cluster, day (`YYYY-MM-DD`) and file name, or nil for a path the validator never makes.
    static func place(_ path: String) -> (cluster: String, day: String, file: String)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5 else { return nil }
        return (String(parts[0]), "\(parts[1])-\(parts[2])-\(parts[3])", String(parts[4]))
    }

    mutating func add(_ appends: [FileAppend]) {
        for append in appends {
            guard let (clusterName, dayText, file) = Self.place(append.relativePath) else { continue }
            if file.hasPrefix("sysinfo-") && file.hasSuffix(".json") {
                addSysinfo(
                    append.bytes, cluster: clusterName, day: dayText, host: String(file.dropFirst(8).dropLast(5)))
            } else if file.hasSuffix(".csv") {
                addLines(append.bytes, cluster: clusterName, day: dayText, host: String(file.dropLast(4)))
            }
        }
    }

    private mutating func addLines(
        _ bytes: [UInt8], cluster clusterName: String, day dayText: String, host hostName: String
    ) {
        days.insert(dayText)
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            let text = bytes[start..<end]
            start = end + 1
            // The validator checked every line; what it let through parses here too.
            let values = (try? Self.fields.scan(text)) ?? [nil, nil, nil, nil]
            day.append(dayText)
            cluster.append(clusterName)
            host.append(hostName)
            time.append(values[0].flatMap { SonarTimestamp.parse($0[...])?.epochSeconds } ?? 0)
            user.append(values[1] ?? "")
            job.append(values[2].flatMap { Int64($0) } ?? 0)
            cmd.append(values[3] ?? "")
            line.append(String(decoding: text, as: UTF8.self))
        }
    }

    private mutating func addSysinfo(
        _ bytes: [UInt8], cluster clusterName: String, day dayText: String, host hostName: String
    ) {
        let document = bytes.last == UInt8(ascii: "\n") ? bytes.dropLast() : bytes[...]
        var seconds: Int64 = 0
        if case .string(let stamp)? = (try? JSONText.parse(Array(document)))?["timestamp"] {
            seconds = SonarTimestamp.parse(stamp[...])?.epochSeconds ?? 0
        }
        sysinfoDay.append(dayText)
        sysinfoCluster.append(clusterName)
        sysinfoHost.append(hostName)
        sysinfoTime.append(seconds)
        sysinfoDocument.append(String(decoding: document, as: UTF8.self))
    }
}

extension PostgresUploadRows {
    /// `other`'s rows after these (a group's uploads, in arrival order).
    mutating func append(_ other: PostgresUploadRows) {
        day += other.day
        cluster += other.cluster
        host += other.host
        time += other.time
        user += other.user
        job += other.job
        cmd += other.cmd
        line += other.line
        sysinfoDay += other.sysinfoDay
        sysinfoCluster += other.sysinfoCluster
        sysinfoHost += other.sysinfoHost
        sysinfoTime += other.sysinfoTime
        sysinfoDocument += other.sysinfoDocument
        days.formUnion(other.days)
    }
}
