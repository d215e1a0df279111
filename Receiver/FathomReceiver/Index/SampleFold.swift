/// The aggregates of a batch of day-file bytes, built in memory before one SQLite transaction
/// adds them to the index: per (cluster, host, sample time), and per minute for the cluster, each
/// job and each user (a minute, because sonar run from cron stamps each node a second or two
/// apart, and a cluster or a job spans nodes).
///
/// A sample is expected whole in one upload (sonar prints one per run; the agent spools whole
/// samples), so distinct job and user counts of a host sample are exact; were a sample split
/// across uploads its counts would be added.
///
/// ```swift
/// var fold = SampleFold()
/// fold.add(cluster: "fox", bytes: Array("v=0.12.2,time=...,host=c1,...\n".utf8)[...])
/// ```
struct SampleFold {
    struct HostKey: Hashable {
        var cluster: String
        var host: String
        var time: Int64
    }

    struct HostRow {
        var usage = UsageSums()
        var jobs: Set<String> = []
        var users: Set<String> = []
    }

    struct MinuteKey: Hashable {
        var cluster: String
        var name: String
        var minute: Int64
    }

    struct JobRow {
        var user: String
        var usage = UsageSums()
    }

    struct ClusterRow {
        var usage = UsageSums()
        var hosts: Int64 = 0
    }

    var hosts: [HostKey: HostRow] = [:]
    var jobs: [MinuteKey: JobRow] = [:]
    var users: [MinuteKey: UsageSums] = [:]
    var lines = 0

    var isEmpty: Bool { hosts.isEmpty }

    /// Folds every whole line of `bytes` (a segment of one cluster's day file).
    mutating func add(cluster: String, bytes: ArraySlice<UInt8>) {
        var start = bytes.startIndex
        let newline = UInt8(ascii: "\n")
        var lastTime: (text: String, epochSeconds: Int64)?
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: newline) ?? bytes.endIndex
            var line = bytes[start..<end]
            start = end == bytes.endIndex ? end : end + 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard !line.isEmpty, let record = SampleRecordFields.read(line, lastTime: &lastTime) else { continue }
            add(cluster: cluster, record)
        }
    }

    mutating func add(cluster: String, _ record: SampleRecordFields) {
        lines += 1
        let key = HostKey(cluster: cluster, host: record.host, time: record.epochSeconds)
        hosts[key, default: HostRow()].usage.add(record.usage)
        guard !record.isHeartbeat else { return }
        if let job = record.job { hosts[key]!.jobs.insert(job) }
        if !record.user.isEmpty { hosts[key]!.users.insert(record.user) }
        let minute = record.epochSeconds - ((record.epochSeconds % 60) + 60) % 60
        if let job = record.job {
            jobs[MinuteKey(cluster: cluster, name: job, minute: minute), default: JobRow(user: record.user)]
                .usage.add(record.usage)
        }
        if !record.user.isEmpty {
            users[MinuteKey(cluster: cluster, name: record.user, minute: minute), default: UsageSums()].add(record.usage)
        }
    }

    /// The cluster rows: every host sample adds its sums and one host to its cluster's minute.
    func clusterRows() -> [MinuteKey: ClusterRow] {
        var rows: [MinuteKey: ClusterRow] = [:]
        for (key, row) in hosts {
            let minute = key.time - ((key.time % 60) + 60) % 60
            let k = MinuteKey(cluster: key.cluster, name: "", minute: minute)
            rows[k, default: ClusterRow()].usage.add(row.usage)
            rows[k]!.hosts += 1
        }
        return rows
    }
}
