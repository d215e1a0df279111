import FathomShared
import Logging
import PostgresNIO

#if canImport(Glibc)
    import Glibc
#endif

/// Retention of the PostgreSQL store (`fathom-receiver prune`): days older than the limit go as
/// whole partitions (`DROP TABLE`, no row-by-row delete, no bloat left behind).
///
/// ```swift
/// let dropped = try await PostgresRetention.prune(settings: store, olderThanDays: 400, logger: logger)
/// ```
public enum PostgresRetention {
    /// The first day kept when `olderThanDays` days are kept before `now` (UTC, `YYYY-MM-DD`).
    static func cutoff(olderThanDays: Int, now: Int64) -> String {
        let (y, m, d) = SonarTimestamp.utcDate(epochSeconds: now - Int64(olderThanDays) * 86_400)
        return DayNumber.text(year: y, month: m, day: d)
    }

    /// Drops every day before the cutoff; returns those days, oldest first. Migrates the schema
    /// first, like a receiver (and refuses a newer one the same way).
    public static func prune(
        settings: StoreSettings, olderThanDays: Int, now: Int64 = Int64(time(nil)), logger: Logger
    ) async throws -> [String] {
        let connector = try PostgresConnector(settings: settings, logger: logger)
        let connection = try await connector.connect()
        do {
            _ = try await PostgresSchema.migrate(connection, logger: logger)
            let days = try await PostgresPartitions.drop(
                before: cutoff(olderThanDays: olderThanDays, now: now), on: connection, logger: logger)
            try? await connection.close()
            return days
        } catch let error as PostgresSchema.NewerSchema {
            try? await connection.close()
            throw ConfigError("store \(connector.address.display): \(error)")
        } catch {
            try? await connection.close()
            throw ConfigError("store \(connector.address.display): \(PostgresFailure(error))")
        }
    }
}
