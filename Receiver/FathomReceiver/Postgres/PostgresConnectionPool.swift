import Logging
import PostgresNIO

/// A few connections to the store, lent one request at a time: the archive's readers and writers
/// run side by side, each on a connection of its own, up to ``limit`` at once (later ones wait).
///
/// A connection that failed (or that the server closed) is dropped on its return and the next
/// borrower connects afresh, so a database restart costs the requests in flight, not the receiver;
/// a request that met a connection which died while idle is run again on a new one (bodies must
/// be safe to run twice, as the archive's are). A body gets ``PostgresDeadline/limit``: past it
/// its connection is closed and the request fails.
///
/// ```swift
/// let pool = PostgresConnectionPool(connector: connector, limit: 8)
/// let n = try await pool.withConnection { try await $0.query("SELECT 1", logger: logger) }
/// ```
actor PostgresConnectionPool {
    let connector: PostgresConnector
    let limit: Int
    private var idle: [PostgresConnection] = []
    /// Connections lent or being opened.
    private var lent = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var closed = false

    /// Why a borrower got no connection after ``close()``.
    struct Closed: Error, CustomStringConvertible {
        var description: String { "the store's connection pool is closed (shutting down)" }
    }

    init(connector: PostgresConnector, limit: Int, first: PostgresConnection? = nil) {
        self.connector = connector
        self.limit = max(1, limit)
        if let first { idle.append(first) }
    }

    /// Runs `body` on a lent connection. A connection that was lost (or that `body` closed) is not
    /// lent again. When a connection kept from earlier turns out lost (the database restarted
    /// while it was idle), `body` runs once more on a new one: the archive's operations are
    /// idempotent (a metadata by its checksum, a point by its time), so a second run stores
    /// nothing twice even if the first had committed.
    nonisolated func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            let (connection, reused) = try await borrow()
            do {
                let result = try await PostgresDeadline.run(on: connection) { try await body(connection) }
                await giveBack(connection, keep: true)
                return result
            } catch {
                // The body's own errors (a duplicate point) leave a good connection; a lost one goes.
                let lost = PostgresFailure.endsSession(error, on: connection)
                await giveBack(connection, keep: !lost)
                if lost && reused && attempt == 1 { continue }
                throw error
            }
        }
    }

    func close() async {
        closed = true
        let connections = idle
        idle = []
        for connection in connections { try? await connection.close() }
        for waiter in waiters { waiter.resume() }
        waiters = []
    }

    /// A connection, and whether it served before (an idle one) rather than being opened now.
    private func borrow() async throws -> (PostgresConnection, reused: Bool) {
        while true {
            if closed { throw Closed() }
            while let connection = idle.popLast() {
                if !connection.isClosed {
                    lent += 1
                    return (connection, true)
                }
            }
            if lent < limit {
                lent += 1
                do {
                    return (try await connector.connect(), false)
                } catch {
                    lent -= 1
                    wakeOne()
                    throw error
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    private func giveBack(_ connection: PostgresConnection, keep: Bool) async {
        lent -= 1
        if keep && !closed && !connection.isClosed {
            idle.append(connection)
        } else {
            try? await connection.close()
        }
        wakeOne()
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}
