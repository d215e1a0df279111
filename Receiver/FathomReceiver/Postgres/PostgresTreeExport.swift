import FathomShared
import Logging
import PostgresNIO

#if canImport(Glibc)
    import Glibc
#endif

/// `fathom-receiver export-tree`: the PostgreSQL store written out as the tree sonalyze reads,
/// `<cluster>/<YYYY>/<MM>/<DD>/<host>.csv` and `sysinfo-<host>.json`, byte for byte what the file
/// store would have written from the same uploads (lines in commit order, then upload order).
///
/// Incremental and idempotent: rows are read by commit number (``PostgresSchema``'s clock, whose
/// committed numbers are a gapless prefix; `fathom_commits` names each number's group) in chunks past the ``ExportCursor``, appended, synced,
/// and only then is the cursor moved. Rerun after a crash, the files are first cut back to the
/// cursor, so no line is there twice. `follow` repeats every `pollInterval` until cancelled.
///
/// ```swift
/// let export = try PostgresTreeExport(settings: store, out: "/srv/sonalyze/data", logger: logger)
/// let lines = try await export.run(follow: false)
/// ```
public struct PostgresTreeExport: Sendable {
    public var out: String
    /// Only this cluster's rows; nil exports all.
    public var cluster: String?
    /// Only days in `from...to` (`YYYY-MM-DD`, UTC); nil is unbounded.
    public var from: String?
    public var to: String?
    /// Commit numbers per chunk (one sync and cursor save each).
    public var chunkCommits: Int64 = 500
    public var pollInterval: Duration = .seconds(5)
    let connector: PostgresConnector

    public init(settings: StoreSettings, out: String, logger: Logger) throws(ConfigError) {
        connector = try PostgresConnector(settings: settings, logger: logger)
        self.out = out
    }

    /// Checks a `--from`/`--to` day.
    public static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts.map(\.count) == [4, 2, 2] && parts.allSatisfy { $0.allSatisfy(\.isNumber) }
    }

    /// Exports what is committed (and, with `follow`, keeps exporting); returns the lines written.
    public func run(follow: Bool) async throws -> Int {
        var written = 0
        var cursor = try ExportCursor.load(out: out)
        try cursor.cutBack(out: out)
        var connection: PostgresConnection?
        while true {
            do {
                let live: PostgresConnection
                if let connection, !connection.isClosed {
                    live = connection
                } else {
                    live = try await connector.connect()
                    connection = live
                }
                written += try await exportCommitted(on: live, cursor: &cursor)
            } catch let error as StorageError {
                try? await connection?.close()
                throw error
            } catch {
                guard follow else {
                    try? await connection?.close()
                    throw ConfigError("export from \(connector.address.display): \(PostgresFailure(error))")
                }
                connector.logger.error(
                    "export: database unavailable; retrying",
                    metadata: ["store": "\(connector.address.display)", "error": "\(PostgresFailure(error))"])
                try? await connection?.close()
                connection = nil
            }
            guard follow, !Task.isCancelled else { break }
            try? await Task.sleep(for: pollInterval)
            if Task.isCancelled { break }
        }
        try? await connection?.close()
        return written
    }

    /// Every chunk from the cursor to the newest committed number.
    private func exportCommitted(on connection: PostgresConnection, cursor: inout ExportCursor) async throws -> Int {
        var horizon: Int64 = 0
        for try await n in try await connection.query("SELECT n FROM fathom_commit_clock", logger: connector.logger)
            .decode(Int64.self)
        {
            horizon = n
        }
        var written = 0
        while cursor.commitNumber < horizon {
            let end = min(horizon, cursor.commitNumber + chunkCommits)
            let appends = try await chunk(after: cursor.commitNumber, through: end, on: connection)
            written += try write(appends, through: end, cursor: &cursor)
        }
        return written
    }

    /// The chunk's lines as appends, files in first-seen order (samples, then sysinfo).
    private func chunk(after start: Int64, through end: Int64, on connection: PostgresConnection) async throws
        -> [FileAppend]
    {
        var appends: [FileAppend] = []
        var indexOfPath: [String: Int] = [:]
        func add(_ path: String, _ text: String) {
            let index: Int
            if let known = indexOfPath[path] {
                index = known
            } else {
                index = appends.count
                indexOfPath[path] = index
                appends.append(FileAppend(relativePath: path, bytes: []))
            }
            appends[index].bytes.append(contentsOf: text.utf8)
            appends[index].bytes.append(UInt8(ascii: "\n"))
        }
        let clusterFilter = cluster ?? ""
        let fromFilter = from ?? "0001-01-01"
        let toFilter = to ?? "9999-12-31"
        for try await (clusterName, day, host, line) in try await connection.query(
            """
            SELECT r.cluster, r.day::text, r.host, r.line FROM fathom_commits c JOIN fathom_samples r USING (group_id)
            WHERE c.n > \(start) AND c.n <= \(end) AND (\(clusterFilter) = '' OR r.cluster = \(clusterFilter))
              AND r.day BETWEEN \(fromFilter)::date AND \(toFilter)::date
            ORDER BY c.n, r.seq
            """, logger: connector.logger
        ).decode((String, String, String, String).self) {
            add("\(clusterName)/\(day.replacingOccurrences("-", "/"))/\(host).csv", line)
        }
        for try await (clusterName, day, host, document) in try await connection.query(
            """
            SELECT r.cluster, r.day::text, r.host, r.document FROM fathom_commits c JOIN fathom_sysinfo r USING (group_id)
            WHERE c.n > \(start) AND c.n <= \(end) AND (\(clusterFilter) = '' OR r.cluster = \(clusterFilter))
              AND r.day BETWEEN \(fromFilter)::date AND \(toFilter)::date
            ORDER BY c.n, r.seq
            """, logger: connector.logger
        ).decode((String, String, String, String).self) {
            add("\(clusterName)/\(day.replacingOccurrences("-", "/"))/sysinfo-\(host).json", document)
        }
        return appends
    }

    /// Cursor with the old lengths, data appended and synced, cursor moved to `end`.
    private func write(_ appends: [FileAppend], through end: Int64, cursor: inout ExportCursor) throws(StorageError)
        -> Int
    {
        var before: [String: Int64] = [:]
        for append in appends {
            var info = stat()
            before[append.relativePath] = stat(out + "/" + append.relativePath, &info) == 0 ? Int64(info.st_size) : 0
        }
        if !appends.isEmpty {
            cursor.lengths = before
            try cursor.save(out: out)
        }
        var after: [String: Int64] = [:]
        var lines = 0
        for append in appends {
            let path = out + "/" + append.relativePath
            let directory = String(path[..<path.lastIndex(of: "/")!])
            try GroupCommitWriter.makeDirectories(directory, mode: 0o755, syncParents: true)
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw StorageError(errno: errno, operation: "open", path: path) }
            defer { close(fd) }
            if let failure = PosixFile.writeAll(fd, append.bytes) {
                throw StorageError(errno: failure, operation: "write", path: path)
            }
            guard fdatasync(fd) == 0 else { throw StorageError(errno: errno, operation: "fdatasync", path: path) }
            after[append.relativePath] = (before[append.relativePath] ?? 0) + Int64(append.bytes.count)
            lines += append.bytes.lazy.filter { $0 == UInt8(ascii: "\n") }.count
        }
        ExportFaults.reached(.afterData)
        cursor.commitNumber = end
        cursor.lengths = after
        try cursor.save(out: out)
        return lines
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: Character, _ replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
