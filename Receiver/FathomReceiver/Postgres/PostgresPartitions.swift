import FathomShared
import Logging
import PostgresNIO

/// The samples table's day partitions: `fathom_samples_YYYYMMDD` holds the UTC day `YYYY-MM-DD`.
///
/// Made on demand, before the group that needs them, under the transaction-scoped advisory lock
/// ``PostgresSchema/partitionLock``: two receivers that meet a new day together take turns, and
/// the second finds the table there (`IF NOT EXISTS`). Retention drops whole partitions under
/// the same lock.
///
/// ```swift
/// try await PostgresPartitions.ensure(days: ["2026-11-25"], on: connection, logger: logger)
/// let dropped = try await PostgresPartitions.drop(before: "2025-10-21", on: connection, logger: logger)
/// ```
enum PostgresPartitions {
    /// `2026-11-25` → `fathom_samples_20261125`.
    static func tableName(day: String) -> String {
        "fathom_samples_" + day.filter { $0 != "-" }
    }

    /// The day a partition's name stands for, or nil for another table.
    static func day(tableName: String) -> String? {
        let prefix = "fathom_samples_"
        guard tableName.hasPrefix(prefix) else { return nil }
        let digits = Array(tableName.dropFirst(prefix.count))
        guard digits.count == 8, digits.allSatisfy(\.isNumber) else { return nil }
        return String(digits[0..<4]) + "-" + String(digits[4..<6]) + "-" + String(digits[6..<8])
    }

    /// The day after `day` (both `YYYY-MM-DD`, UTC).
    static func nextDay(_ day: String) -> String {
        let parts = day.split(separator: "-").compactMap { Int($0) }
        let epoch = DayNumber.epochSeconds(year: parts[0], month: parts[1], day: parts[2]) + 86_400
        let (y, m, d) = SonarTimestamp.utcDate(epochSeconds: epoch)
        return DayNumber.text(year: y, month: m, day: d)
    }

    /// Makes the partitions of `days` that are missing (days are `YYYY-MM-DD` the validator made).
    static func ensure(days: Set<String>, on connection: PostgresConnection, logger: Logger) async throws {
        guard !days.isEmpty else { return }
        try await connection.query("BEGIN", logger: logger)
        do {
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.partitionLock))", logger: logger)
            for day in days.sorted() {
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            CREATE TABLE IF NOT EXISTS \(tableName(day: day)) PARTITION OF fathom_samples
                            FOR VALUES FROM ('\(day)') TO ('\(nextDay(day))')
                            """), logger: logger)
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// Drops every partition of a day before `cutoff` (`YYYY-MM-DD`) and deletes the sysinfo
    /// documents and index rows of those days and the batch ids stored before it; returns the
    /// days dropped, oldest first.
    static func drop(before cutoff: String, on connection: PostgresConnection, logger: Logger) async throws -> [String]
    {
        try await connection.query("BEGIN", logger: logger)
        do {
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.partitionLock))", logger: logger)
            var days: [String] = []
            for try await name in try await connection.query(
                """
                SELECT c.relname::text FROM pg_inherits i
                JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
                WHERE p.relname = 'fathom_samples'
                """, logger: logger
            ).decode(String.self) {
                if let day = day(tableName: name), day < cutoff { days.append(day) }
            }
            days.sort()
            for day in days {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "DROP TABLE \(tableName(day: day))"), logger: logger)
            }
            try await connection.query("DELETE FROM fathom_sysinfo WHERE day < \(cutoff)::date", logger: logger)
            // Batch ids as old as the data they guarded: a replay from before the cutoff is not expected.
            try await connection.query(
                "DELETE FROM fathom_batches WHERE stored_at < \(cutoff)::date", logger: logger)
            try await PostgresSampleIndex.delete(before: cutoff, on: connection, logger: logger)
            try await connection.query("COMMIT", logger: logger)
            return days
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}
