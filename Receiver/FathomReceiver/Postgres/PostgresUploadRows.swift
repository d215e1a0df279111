import FathomShared
import NIOCore

/// A validated upload as the store's rows: each sample line with its parsed columns as a row of
/// `COPY fathom_samples … FROM STDIN` (text format), each sysinfo document column by column (bound
/// as arrays and unnested in one `INSERT`).
///
/// Built by the upload's own task before it joins a group, so the group's transaction only
/// streams bytes. The day, cluster and host come from the file path the validator chose
/// (`<cluster>/<YYYY>/<MM>/<DD>/<host>.csv`, `…/sysinfo-<host>.json`), so a line lands in the
/// partition of the day file it would have been appended to; the line is stored as those bytes
/// without the newline. A row's last column, the id of the group it is stored in, is known only
/// once the group is formed: ``writeCopyText(group:to:)`` adds it.
///
/// ```swift
/// var rows = PostgresUploadRows()
/// rows.add(appends)
/// var text = ByteBuffer()
/// rows.writeCopyText(group: 7, to: &text)  // "2026-11-25\tfox\tc1\t2026-11-25T00:00:00Z\t…\t7\n"
/// ```
struct PostgresUploadRows: Sendable {
    /// The columns ``writeCopyText(group:to:)``'s rows fill, in order.
    static let sampleColumns = ["day", "cluster", "host", "time", "user", "job", "cmd", "line", "group_id"]

    /// Every sample row's columns but the group id, each row ending in its last tab.
    private(set) var sampleText: [UInt8] = []
    /// Where each row of ``sampleText`` ends.
    private(set) var sampleRowEnds: [Int] = []

    var sysinfoDay: [String] = []
    var sysinfoCluster: [String] = []
    var sysinfoHost: [String] = []
    var sysinfoTime: [Int64] = []
    var sysinfoDocument: [String] = []

    /// Every day a line of these rows falls on (the partitions they need).
    var days: Set<String> = []

    var sampleCount: Int { sampleRowEnds.count }

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

    /// The rows with `group` as their last column, ready for `COPY … FROM STDIN`, after what
    /// `buffer` holds (a group's uploads one after another, each row copied once).
    func writeCopyText(group: Int64, to buffer: inout ByteBuffer) {
        let number = Array(String(group).utf8)
        buffer.reserveCapacity(
            minimumWritableBytes: sampleText.count + sampleRowEnds.count * (number.count + 1))
        var start = 0
        for end in sampleRowEnds {
            buffer.writeBytes(sampleText[start..<end])
            buffer.writeBytes(number)
            buffer.writeInteger(UInt8(ascii: "\n"))
            start = end
        }
    }

    private mutating func addLines(
        _ bytes: [UInt8], cluster clusterName: String, day dayText: String, host hostName: String
    ) {
        days.insert(dayText)
        // The columns every line of this file shares, written once.
        var shared: [UInt8] = []
        Self.appendColumn(dayText.utf8, to: &shared)
        Self.appendColumn(clusterName.utf8, to: &shared)
        Self.appendColumn(hostName.utf8, to: &shared)
        sampleText.reserveCapacity(sampleText.count + bytes.count * 2)
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            let text = bytes[start..<end]
            start = end + 1
            // The validator checked every line; what it let through parses here too.
            let values = (try? Self.fields.scan(text)) ?? [nil, nil, nil, nil]
            let stamp = values[0].flatMap { SonarTimestamp.parse($0[...]) } ?? (0, 0)
            sampleText += shared
            let time = SonarTimestamp.format(epochSeconds: stamp.epochSeconds, utcOffsetSeconds: stamp.utcOffsetSeconds)
            Self.appendColumn(time.utf8, to: &sampleText)
            Self.appendColumn((values[1] ?? "").utf8, to: &sampleText)
            Self.appendColumn(String(values[2].flatMap { Int64($0) } ?? 0).utf8, to: &sampleText)
            Self.appendColumn((values[3] ?? "").utf8, to: &sampleText)
            Self.appendColumn(text, to: &sampleText)
            sampleRowEnds.append(sampleText.count)
        }
    }

    /// `value` escaped for COPY's text format (backslash, tab, newline, carriage return), then a tab.
    private static func appendColumn(_ value: some Sequence<UInt8>, to out: inout [UInt8]) {
        for byte in value {
            switch byte {
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\t"))
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
    /// `other`'s sysinfo documents after these (a group's uploads, in arrival order).
    mutating func appendSysinfo(of other: PostgresUploadRows) {
        sysinfoDay += other.sysinfoDay
        sysinfoCluster += other.sysinfoCluster
        sysinfoHost += other.sysinfoHost
        sysinfoTime += other.sysinfoTime
        sysinfoDocument += other.sysinfoDocument
    }
}
