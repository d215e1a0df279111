import Logging
import PostgresNIO

/// One group's fold (``SampleFold``, merged from the folds each stored upload's own task made) as
/// rows of the index tables (see ``PostgresSampleIndex``): each column bound as one array and
/// unnested into an `INSERT … ON CONFLICT … DO UPDATE SET cpu = t.cpu + excluded.cpu, …` that
/// adds to what other groups, on any receiver, stored for the same key.
///
/// Written inside the group's transaction, after its batch ids: only uploads stored by this
/// group are folded, so a replayed batch adds nothing. The commit clock's row lock orders the
/// groups of all receivers, so two of them adding to one host minute add up, never race. The
/// fold is keyed like the tables, so no key is twice in one statement (which `ON CONFLICT DO
/// UPDATE` refuses).
///
/// ```swift
/// try await PostgresIndexRows(fold).write(on: connection, logger: logger)
/// ```
struct PostgresIndexRows {
    /// One table's rows and the statement that adds them.
    struct Upsert {
        var table: String
        var key: [String]
        /// Every column in bind order, with its PostgreSQL type.
        var columns: [(name: String, type: String)]
        /// The columns added on a conflict (the others are the key, or the job's first user).
        var added: [String]
        var binds = PostgresBindings()
        var rows = 0

        var query: PostgresQuery {
            let names = columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
            let arrays = columns.enumerated().map { "$\($0.offset + 1)::\($0.element.type)[]" }.joined(separator: ", ")
            let conflict = key.map { "\"\($0)\"" }.joined(separator: ", ")
            let adding = added.map { "\($0) = t.\($0) + excluded.\($0)" }.joined(separator: ", ")
            let onConflict = added.isEmpty ? "DO NOTHING" : "DO UPDATE SET \(adding)"
            return PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(table) AS t (\(names)) SELECT * FROM unnest(\(arrays))
                    ON CONFLICT (\(conflict)) \(onConflict)
                    """,
                binds: binds)
        }
    }

    let upserts: [Upsert]

    init(_ fold: SampleFold) {
        upserts = [
            Self.hostSamples(fold.hosts), Self.clusterMinutes(fold.clusterRows()), Self.jobMinutes(fold.jobs),
            Self.userMinutes(fold.users), Self.hostList(fold.hosts.keys),
        ]
    }

    private static func hostSamples(_ rows: [SampleFold.HostKey: SampleFold.HostRow]) -> Upsert {
        var cluster: [String] = []
        var host: [String] = []
        var time: [Int64] = []
        var usage = UsageColumns()
        var jobs: [Int64] = []
        var users: [Int64] = []
        for (key, row) in rows {
            cluster.append(key.cluster)
            host.append(key.host)
            time.append(key.time)
            usage.append(row.usage)
            jobs.append(Int64(row.jobs.count))
            users.append(Int64(row.users.count))
        }
        var upsert = Upsert(
            table: "fathom_host_sample", key: ["cluster", "host", "time"],
            columns: [("cluster", "text"), ("host", "text"), ("time", "int8")] + UsageColumns.columns + [
                ("jobs", "int8"), ("users", "int8"),
            ],
            added: UsageColumns.names + ["jobs", "users"])
        upsert.binds.append(cluster)
        upsert.binds.append(host)
        upsert.binds.append(time)
        usage.bind(into: &upsert.binds)
        upsert.binds.append(jobs)
        upsert.binds.append(users)
        upsert.rows = time.count
        return upsert
    }

    private static func clusterMinutes(_ rows: [SampleFold.MinuteKey: SampleFold.ClusterRow]) -> Upsert {
        var cluster: [String] = []
        var minute: [Int64] = []
        var usage = UsageColumns()
        var hosts: [Int64] = []
        for (key, row) in rows {
            cluster.append(key.cluster)
            minute.append(key.minute)
            usage.append(row.usage)
            hosts.append(row.hosts)
        }
        var upsert = Upsert(
            table: "fathom_cluster_minute", key: ["cluster", "minute"],
            columns: [("cluster", "text"), ("minute", "int8")] + UsageColumns.columns + [("hosts", "int8")],
            added: UsageColumns.names + ["hosts"])
        upsert.binds.append(cluster)
        upsert.binds.append(minute)
        usage.bind(into: &upsert.binds)
        upsert.binds.append(hosts)
        upsert.rows = minute.count
        return upsert
    }

    /// A job's user is its first record's (kept on a conflict, as the embedded index does).
    private static func jobMinutes(_ rows: [SampleFold.MinuteKey: SampleFold.JobRow]) -> Upsert {
        var cluster: [String] = []
        var job: [String] = []
        var minute: [Int64] = []
        var user: [String] = []
        var usage = UsageColumns()
        for (key, row) in rows {
            cluster.append(key.cluster)
            job.append(key.name)
            minute.append(key.minute)
            user.append(row.user)
            usage.append(row.usage)
        }
        var upsert = Upsert(
            table: "fathom_job_minute", key: ["cluster", "job", "minute"],
            columns: [("cluster", "text"), ("job", "text"), ("minute", "int8"), ("user", "text")]
                + UsageColumns.columns,
            added: UsageColumns.names)
        upsert.binds.append(cluster)
        upsert.binds.append(job)
        upsert.binds.append(minute)
        upsert.binds.append(user)
        usage.bind(into: &upsert.binds)
        upsert.rows = minute.count
        return upsert
    }

    private static func userMinutes(_ rows: [SampleFold.MinuteKey: UsageSums]) -> Upsert {
        var cluster: [String] = []
        var user: [String] = []
        var minute: [Int64] = []
        var usage = UsageColumns()
        for (key, sums) in rows {
            cluster.append(key.cluster)
            user.append(key.name)
            minute.append(key.minute)
            usage.append(sums)
        }
        var upsert = Upsert(
            table: "fathom_user_minute", key: ["cluster", "user", "minute"],
            columns: [("cluster", "text"), ("user", "text"), ("minute", "int8")] + UsageColumns.columns,
            added: UsageColumns.names)
        upsert.binds.append(cluster)
        upsert.binds.append(user)
        upsert.binds.append(minute)
        usage.bind(into: &upsert.binds)
        upsert.rows = minute.count
        return upsert
    }

    /// The hosts Grafana lists: nothing to add, a host seen before stays as it is.
    private static func hostList(_ keys: some Sequence<SampleFold.HostKey>) -> Upsert {
        let pairs = Set(keys.map { [$0.cluster, $0.host] })
        var upsert = Upsert(
            table: "fathom_index_hosts", key: ["cluster", "host"], columns: [("cluster", "text"), ("host", "text")],
            added: [])
        upsert.binds.append(pairs.map { $0[0] })
        upsert.binds.append(pairs.map { $0[1] })
        upsert.rows = pairs.count
        return upsert
    }

    /// Adds the rows, inside the caller's transaction.
    func write(on connection: PostgresConnection, logger: Logger) async throws {
        for upsert in upserts where upsert.rows > 0 {
            try await connection.query(upsert.query, logger: logger)
        }
    }
}

/// The usage columns every index table has (`UsageSums`), one array each.
private struct UsageColumns {
    static let columns: [(name: String, type: String)] = [
        ("cpu", "float8"), ("cpukib", "int8"), ("rssanonkib", "int8"), ("gpu", "float8"), ("gpumem", "float8"),
        ("gpukib", "int8"), ("processes", "int8"),
    ]
    static var names: [String] { columns.map(\.name) }

    var cpu: [Double] = []
    var cpuKiB: [Int64] = []
    var rssAnonKiB: [Int64] = []
    var gpu: [Double] = []
    var gpuMem: [Double] = []
    var gpuKiB: [Int64] = []
    var processes: [Int64] = []

    mutating func append(_ u: UsageSums) {
        cpu.append(u.cpuPercent)
        cpuKiB.append(u.cpuKiB)
        rssAnonKiB.append(u.rssAnonKiB)
        gpu.append(u.gpuPercent)
        gpuMem.append(u.gpuMemPercent)
        gpuKiB.append(u.gpuKiB)
        processes.append(u.processes)
    }

    /// Binds the arrays in ``columns``' order.
    func bind(into binds: inout PostgresBindings) {
        binds.append(cpu)
        binds.append(cpuKiB)
        binds.append(rssAnonKiB)
        binds.append(gpu)
        binds.append(gpuMem)
        binds.append(gpuKiB)
        binds.append(processes)
    }
}
