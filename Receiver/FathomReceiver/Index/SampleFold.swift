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
    private var reader = SampleLineReader()

    var isEmpty: Bool { hosts.isEmpty }

    /// Folds every whole line of `bytes` (a segment of one cluster's day file).
    mutating func add(cluster: String, bytes: ArraySlice<UInt8>) {
        var start = bytes.startIndex
        let newline = UInt8(ascii: "\n")
        var open: OpenSample?
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: newline) ?? bytes.endIndex
            var line = bytes[start..<end]
            start = end == bytes.endIndex ? end : end + 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard !line.isEmpty, let record = reader.read(line) else { continue }
            lines += 1
            if open?.host != record.host || open?.time != record.epochSeconds {
                if let done = open { close(done, cluster: cluster) }
                open = OpenSample(host: record.host, time: record.epochSeconds)
            }
            open!.add(record)
        }
        if let done = open { close(done, cluster: cluster) }
    }

    /// Adds one host sample's lines (summed in `OpenSample`) to the batch's rows: a handful of
    /// dictionary updates per sample instead of several per line.
    private mutating func close(_ sample: OpenSample, cluster: String) {
        let key = HostKey(cluster: cluster, host: sample.host, time: sample.time)
        let minute = sample.time - ((sample.time % 60) + 60) % 60
        var row = hosts.removeValue(forKey: key) ?? HostRow()
        row.usage.add(sample.usage)
        for job in sample.jobs {
            row.jobs.insert(job.name)
            jobs[MinuteKey(cluster: cluster, name: job.name, minute: minute), default: JobRow(user: job.user)]
                .usage.add(job.usage)
        }
        for user in sample.users {
            row.users.insert(user.name)
            users[MinuteKey(cluster: cluster, name: user.name, minute: minute), default: UsageSums()].add(user.usage)
        }
        hosts[key] = row
    }

    /// The consecutive lines of one host sample, summed per job and per user.
    private struct OpenSample {
        var host: String
        var time: Int64
        var usage = UsageSums()
        var jobs: [(name: String, user: String, usage: UsageSums)] = []
        var users: [(name: String, usage: UsageSums)] = []
        /// Where each job and user is in `jobs` and `users`.
        var jobSlot: [String: Int] = [:]
        var userSlot: [String: Int] = [:]
        var lastJob = 0
        var lastUser = 0

        init(host: String, time: Int64) {
            self.host = host
            self.time = time
        }

        mutating func add(_ record: SampleRecordFields) {
            usage.add(record.usage)
            guard !record.isHeartbeat else { return }
            if let job = record.job {
                // A sample's lines mostly repeat the job of the line before: check that one first.
                if lastJob < jobs.count, jobs[lastJob].name == job {
                    jobs[lastJob].usage.add(record.usage)
                } else if let slot = jobSlot[job] {
                    jobs[slot].usage.add(record.usage)
                    lastJob = slot
                } else {
                    lastJob = jobs.count
                    jobSlot[job] = jobs.count
                    jobs.append((job, record.user, record.usage))
                }
            }
            if !record.user.isEmpty {
                if lastUser < users.count, users[lastUser].name == record.user {
                    users[lastUser].usage.add(record.usage)
                } else if let slot = userSlot[record.user] {
                    users[slot].usage.add(record.usage)
                    lastUser = slot
                } else {
                    lastUser = users.count
                    userSlot[record.user] = users.count
                    users.append((record.user, record.usage))
                }
            }
        }
    }

    /// Adds `other`'s rows to these, as if its bytes had been folded here (a host sample in
    /// both: its sums added, its jobs and users united). PostgreSQL's store folds each upload in
    /// its own task and merges the folds of one group's stored uploads.
    mutating func merge(_ other: SampleFold) {
        for (key, row) in other.hosts {
            guard var mine = hosts.removeValue(forKey: key) else {
                hosts[key] = row
                continue
            }
            mine.usage.add(row.usage)
            mine.jobs.formUnion(row.jobs)
            mine.users.formUnion(row.users)
            hosts[key] = mine
        }
        for (key, row) in other.jobs {
            jobs[key, default: JobRow(user: row.user)].usage.add(row.usage)
        }
        for (key, usage) in other.users {
            users[key, default: UsageSums()].add(usage)
        }
        lines += other.lines
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
