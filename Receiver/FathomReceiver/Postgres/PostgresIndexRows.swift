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

    private(set) var upserts: [Upsert] = []

    init(_ fold: SampleFold) {
        var hostCluster: [String] = []
        var hostName: [String] = []
        var hostTime: [Int64] = []
        var hostUsage = UsageColumns()
        var hostJobs: [Int64] = []
        var hostUsers: [Int64] = []
        var known = Set<[String]>()
        for (key, row) in fold.hosts {
            hostCluster.append(key.cluster)
            hostName.append(key.host)
            hostTime.append(key.time)
            hostUsage.append(row.usage)
            hostJobs.append(Int64(row.jobs.count))
            hostUsers.append(Int64(row.users.count))
            known.insert([key.cluster, key.host])
        }
        var host = Upsert(
            table: "fathom_host_sample", key: ["cluster", "host", "time"],
            columns: [("cluster", "text"), ("host", "text"), ("time", "int8")] + UsageColumns.columns + [
                ("jobs", "int8"), ("users", "int8"),
            ],
            added: UsageColumns.names + ["jobs", "users"])
        host.binds.append(hostCluster)
        host.binds.append(hostName)
        host.binds.append(hostTime)
        hostUsage.bind(into: &host.binds)
        host.binds.append(hostJobs)
        host.binds.append(hostUsers)
        host.rows = hostTime.count

        var clusterName: [String] = []
        var clusterMinute: [Int64] = []
        var clusterUsage = UsageColumns()
        var clusterHosts: [Int64] = []
        for (key, row) in fold.clusterRows() {
            clusterName.append(key.cluster)
            clusterMinute.append(key.minute)
            clusterUsage.append(row.usage)
            clusterHosts.append(row.hosts)
        }
        var cluster = Upsert(
            table: "fathom_cluster_minute", key: ["cluster", "minute"],
            columns: [("cluster", "text"), ("minute", "int8")] + UsageColumns.columns + [("hosts", "int8")],
            added: UsageColumns.names + ["hosts"])
        cluster.binds.append(clusterName)
        cluster.binds.append(clusterMinute)
        clusterUsage.bind(into: &cluster.binds)
        cluster.binds.append(clusterHosts)
        cluster.rows = clusterMinute.count

        var jobCluster: [String] = []
        var jobName: [String] = []
        var jobMinute: [Int64] = []
        var jobUser: [String] = []
        var jobUsage = UsageColumns()
        for (key, row) in fold.jobs {
            jobCluster.append(key.cluster)
            jobName.append(key.name)
            jobMinute.append(key.minute)
            jobUser.append(row.user)
            jobUsage.append(row.usage)
        }
        var job = Upsert(
            table: "fathom_job_minute", key: ["cluster", "job", "minute"],
            columns: [("cluster", "text"), ("job", "text"), ("minute", "int8"), ("user", "text")]
                + UsageColumns.columns,
            added: UsageColumns.names)
        job.binds.append(jobCluster)
        job.binds.append(jobName)
        job.binds.append(jobMinute)
        job.binds.append(jobUser)
        jobUsage.bind(into: &job.binds)
        job.rows = jobMinute.count

        var userCluster: [String] = []
        var userName: [String] = []
        var userMinute: [Int64] = []
        var userUsage = UsageColumns()
        for (key, usage) in fold.users {
            userCluster.append(key.cluster)
            userName.append(key.name)
            userMinute.append(key.minute)
            userUsage.append(usage)
        }
        var user = Upsert(
            table: "fathom_user_minute", key: ["cluster", "user", "minute"],
            columns: [("cluster", "text"), ("user", "text"), ("minute", "int8")] + UsageColumns.columns,
            added: UsageColumns.names)
        user.binds.append(userCluster)
        user.binds.append(userName)
        user.binds.append(userMinute)
        userUsage.bind(into: &user.binds)
        user.rows = userMinute.count

        upserts = [host, cluster, job, user]
        // The host list: nothing to add, a host seen before stays as it is.
        var hosts = Upsert(
            table: "fathom_index_hosts", key: ["cluster", "host"], columns: [("cluster", "text"), ("host", "text")],
            added: [])
        hosts.binds.append(known.map { $0[0] })
        hosts.binds.append(known.map { $0[1] })
        hosts.rows = known.count
        upserts.append(hosts)
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
