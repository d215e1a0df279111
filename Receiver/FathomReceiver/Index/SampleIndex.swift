import FathomShared
import Foundation
import GRDB
import Synchronization

/// The ingest index: per-sample aggregates of every stored sonar line, so Grafana queries read a
/// few hundred rows instead of scanning day files.
///
/// The writer thread folds each committed group after its sync and before its answers
/// (`fold(_:)`), so an acknowledged upload is in the files and the index. Each day file's folded
/// length (its high-water mark) is stored in the same SQLite transaction as the aggregates, so
/// after a crash between the two `catchUp()` folds exactly what the files hold past the mark, and
/// a fold that finds a gap before its segment reads the gap from the file first. The index can
/// always be rebuilt from the files (`rebuild()`, `fathom-receiver reindex`), so its WAL commits
/// are not fsynced (synchronous=NORMAL): a power cut loses at most marks and rows together.
///
/// ```swift
/// let index = try SampleIndex(path: data + "/.fathom/index.sqlite", dataDirectory: data)
/// try index.catchUp()
/// let cpu = try await index.series(.hostCPU(cluster: "fox", host: "c1"), range: range)
/// ```
public final class SampleIndex: Sendable {
    let pool: DatabasePool
    public let dataDirectory: String
    public let path: String
    /// Each day file's folded length, mirrored from `file_mark`; touched by the writer thread (and
    /// by `catchUp`/`rebuild` before it starts).
    private let marks: Mutex<[String: Int64]>

    /// One folded span of a day file: `bytes` were appended at `offset` of `relativePath`.
    public struct Segment: Sendable {
        public var relativePath: String
        public var offset: Int64
        public var bytes: [UInt8]
        public init(relativePath: String, offset: Int64, bytes: [UInt8]) {
            self.relativePath = relativePath
            self.offset = offset
            self.bytes = bytes
        }
    }

    /// The default place: `<data>/.fathom/index.sqlite`.
    public static func defaultPath(dataDirectory: String) -> String { dataDirectory + "/.fathom/index.sqlite" }

    public init(path: String, dataDirectory: String) throws {
        self.path = path
        self.dataDirectory = dataDirectory
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        try SampleIndexSchema.migrator.migrate(pool)
        let loaded = try pool.read { db in
            var out: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT path, folded_to FROM file_mark") { out[row[0]] = row[1] }
            return out
        }
        marks = Mutex(loaded)
    }

    /// Whether `relativePath` is a sonar day file (`<cluster>/<YYYY>/<MM>/<DD>/<host>.csv`).
    static func isDayFile(_ relativePath: String) -> Bool {
        relativePath.hasSuffix(".csv") && relativePath.split(separator: "/").count == 5
    }

    /// Folds the committed segments of one group (day files only) in one transaction. Segments
    /// already folded are skipped; a gap between a file's mark and its segment is read from the file.
    public func fold(_ segments: [Segment]) throws {
        var fold = SampleFold()
        var newMarks: [String: Int64] = [:]
        let current = marks.withLock { $0 }
        for segment in segments where Self.isDayFile(segment.relativePath) {
            let path = segment.relativePath
            let mark = newMarks[path] ?? current[path] ?? 0
            let end = segment.offset + Int64(segment.bytes.count)
            guard mark < end else { continue }
            let cluster = Self.cluster(of: path)
            if mark < segment.offset {
                let gap = try DayFileBytes.read(dataDirectory + "/" + path, from: mark, to: segment.offset)
                fold.add(cluster: cluster, bytes: gap[...])
                fold.add(cluster: cluster, bytes: segment.bytes[...])
            } else {
                fold.add(cluster: cluster, bytes: segment.bytes[Int(mark - segment.offset)...])
            }
            newMarks[path] = end
        }
        guard !newMarks.isEmpty else { return }
        try write(fold, marks: newMarks)
    }

    /// Folds what every day file holds past its mark (whole lines only): the repair at start, and
    /// the whole tree for a fresh index. Returns the number of lines folded.
    @discardableResult
    public func catchUp(chunkBytes: Int = 8 << 20) throws -> Int {
        var lines = 0
        for file in try DayFileBytes.dayFiles(under: dataDirectory) {
            var mark = marks.withLock { $0[file.relativePath] ?? 0 }
            while mark < file.size {
                let chunk = try DayFileBytes.read(
                    dataDirectory + "/" + file.relativePath, from: mark, to: min(file.size, mark + Int64(chunkBytes)))
                // Only whole lines: a chunk ends at its last newline (a file ends with one).
                guard let last = chunk.lastIndex(of: UInt8(ascii: "\n")) else { break }
                var fold = SampleFold()
                fold.add(cluster: Self.cluster(of: file.relativePath), bytes: chunk[...last])
                mark += Int64(last + 1)
                try write(fold, marks: [file.relativePath: mark])
                lines += fold.lines
            }
        }
        return lines
    }

    /// Empties the index and folds the whole tree again (`fathom-receiver reindex`).
    @discardableResult
    public func rebuild() throws -> Int {
        try pool.write { db in
            // A rebuild is not new data: nothing of it is forwarded (the receiver, started again,
            // puts the forwarding triggers back).
            try SampleForwardLog.dropTriggers(db)
            try db.execute(sql: "DELETE FROM sample_log")
            for table in ["host_sample", "cluster_minute", "job_minute", "user_minute", "file_mark"] {
                try db.execute(sql: "DELETE FROM \(table)")
            }
        }
        marks.withLock { $0.removeAll() }
        return try catchUp()
    }

    /// Total folded bytes over all files, and the number of files (for logs and tests).
    public var foldedBytes: (bytes: Int64, files: Int) {
        marks.withLock { m in (m.values.reduce(0, +), m.count) }
    }

    /// Every day file with a mark (for the names the editor offers).
    func foldedPaths() -> [String] { marks.withLock { Array($0.keys) } }

    static func cluster(of relativePath: String) -> String {
        String(relativePath.prefix { $0 != "/" })
    }

    private func write(_ fold: SampleFold, marks newMarks: [String: Int64]) throws {
        try pool.write { db in
            let host = try db.cachedStatement(
                sql: """
                    INSERT INTO host_sample (cluster, host, time, cpu, cpukib, rssanonkib, gpu, gpumem, gpukib, processes, jobs, users)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (cluster, host, time) DO UPDATE SET \(SampleIndexSchema.addingUpdate(["jobs", "users"]))
                    """)
            for (key, row) in fold.hosts {
                try host.execute(
                    arguments: StatementArguments(
                        [key.cluster, key.host, key.time] + Self.values(row.usage) + [row.jobs.count, row.users.count]))
            }
            let cluster = try db.cachedStatement(
                sql: """
                    INSERT INTO cluster_minute (cluster, minute, cpu, cpukib, rssanonkib, gpu, gpumem, gpukib, processes, hosts)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (cluster, minute) DO UPDATE SET \(SampleIndexSchema.addingUpdate(["hosts"]))
                    """)
            for (key, row) in fold.clusterRows() {
                try cluster.execute(
                    arguments: StatementArguments(
                        [key.cluster, key.minute] + Self.values(row.usage) + [row.hosts]))
            }
            let job = try db.cachedStatement(
                sql: """
                    INSERT INTO job_minute (cluster, job, minute, user, cpu, cpukib, rssanonkib, gpu, gpumem, gpukib, processes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (cluster, job, minute) DO UPDATE SET \(SampleIndexSchema.addingUpdate())
                    """)
            for (key, row) in fold.jobs {
                try job.execute(
                    arguments: StatementArguments(
                        [key.cluster, key.name, key.minute, row.user] + Self.values(row.usage)))
            }
            let user = try db.cachedStatement(
                sql: """
                    INSERT INTO user_minute (cluster, user, minute, cpu, cpukib, rssanonkib, gpu, gpumem, gpukib, processes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (cluster, user, minute) DO UPDATE SET \(SampleIndexSchema.addingUpdate())
                    """)
            for (key, usage) in fold.users {
                try user.execute(
                    arguments: StatementArguments([key.cluster, key.name, key.minute] + Self.values(usage)))
            }
            let mark = try db.cachedStatement(
                sql: """
                    INSERT INTO file_mark (path, folded_to) VALUES (?, ?)
                    ON CONFLICT (path) DO UPDATE SET folded_to = excluded.folded_to
                    """)
            for (path, end) in newMarks { try mark.execute(arguments: [path, end]) }
        }
        marks.withLock { m in
            for (path, end) in newMarks { m[path] = end }
        }
    }

    private static func values(_ u: UsageSums) -> [any DatabaseValueConvertible] {
        [u.cpuPercent, u.cpuKiB, u.rssAnonKiB, u.gpuPercent, u.gpuMemPercent, u.gpuKiB, u.processes]
    }
}

extension SampleIndex {
    /// Opens (creating its directory) and rebuilds the index at `path` from `dataDirectory`.
    public static func rebuild(path: String, dataDirectory: String) throws -> Int {
        try GroupCommitWriter.makeDirectories(
            String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]), mode: 0o700, syncParents: false)
        return try SampleIndex(path: path, dataDirectory: dataDirectory).rebuild()
    }
}
