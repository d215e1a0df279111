import FathomShared

/// The fields of one sonar free-CSV record that the index folds, read with the project's
/// free-CSV scanner (only these values are materialised).
///
/// ```swift
/// var lastTime: (text: String, epochSeconds: Int64)?
/// let record = SampleRecordFields.read(Array(line.utf8)[...], lastTime: &lastTime)
/// ```
struct SampleRecordFields {
    var host: String
    var epochSeconds: Int64
    var user: String
    /// Nil for no job (absent or `0`, sonar's value for processes outside any job).
    var job: String?
    var usage: UsageSums
    var isHeartbeat: Bool

    private static let scanner = FreeCSVScanner(names: [
        "host", "time", "user", "job", "cmd", "cpu%", "cpukib", "rssanonkib", "gpu%", "gpumem%", "gpukib",
    ])

    /// Nil for a line without host or a readable time (the ingest validator refuses those, so they
    /// only appear in trees written by something else). A sample's lines share their time text,
    /// so the last one parsed is kept in `lastTime`.
    static func read(_ line: ArraySlice<UInt8>, lastTime: inout (text: String, epochSeconds: Int64)?) -> SampleRecordFields? {
        guard let v = try? scanner.scan(line), let host = v[0], !host.isEmpty, let time = v[1] else { return nil }
        let epochSeconds: Int64
        if let last = lastTime, last.text == time {
            epochSeconds = last.epochSeconds
        } else {
            guard let instant = SonarTimestamp.parse(time[...]) else { return nil }
            epochSeconds = instant.epochSeconds
            lastTime = (time, epochSeconds)
        }
        let user = v[2] ?? ""
        let heartbeat = v[4] == "_heartbeat_"
        var usage = UsageSums()
        if !heartbeat {
            usage.cpuPercent = double(v[5])
            usage.cpuKiB = integer(v[6])
            usage.rssAnonKiB = integer(v[7])
            usage.gpuPercent = double(v[8])
            usage.gpuMemPercent = double(v[9])
            usage.gpuKiB = integer(v[10])
            usage.processes = 1
        }
        let job = v[3].flatMap { $0.isEmpty || $0 == "0" ? nil : $0 }
        return SampleRecordFields(
            host: host, epochSeconds: epochSeconds, user: user, job: heartbeat ? nil : job, usage: usage,
            isHeartbeat: heartbeat)
    }

    private static func double(_ text: String?) -> Double {
        guard let text, let value = Double(text), value.isFinite else { return 0 }
        return value
    }

    private static func integer(_ text: String?) -> Int64 {
        guard let text else { return 0 }
        if let value = Int64(text) { return value }
        return Double(text).map { $0.isFinite ? Int64($0) : 0 } ?? 0
    }
}
