import Logging
import PostgresNIO

/// A few connections to the store, lent one request at a time: the archive's readers and writers
/// run side by side, each on a connection of its own, up to ``limit`` at once (later ones wait).
///
/// A connection that failed (or that the server closed) is dropped on its return and the next
/// borrower connects afresh, so a database restart costs the requests in flight, not the receiver.
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
    /// lent again.
    nonisolated func withConnection<T: Sendable>(
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await borrow()
        do {
            let result = try await body(connection)
            await giveBack(connection, keep: true)
            return result
        } catch {
            // The body's own errors (a duplicate point) leave a good connection; a lost one goes.
            let lost = (error as? PSQLError).map { $0.serverInfo == nil } ?? false
            await giveBack(connection, keep: !lost)
            throw error
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

    private func borrow() async throws -> PostgresConnection {
        while true {
            if closed { throw Closed() }
            while let connection = idle.popLast() {
                if !connection.isClosed {
                    lent += 1
                    return connection
                }
            }
            if lent < limit {
                lent += 1
                do {
                    return try await connector.connect()
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
