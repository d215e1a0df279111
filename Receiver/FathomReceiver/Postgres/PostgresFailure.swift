import PostgresNIO

/// A database error in operator-facing words: the server's message and SQLSTATE, or what broke
/// the connection (PostgresNIO's own description hides both).
struct PostgresFailure: CustomStringConvertible {
    let error: any Error

    init(_ error: any Error) { self.error = error }

    /// The server's SQLSTATE (e.g. `40P01` for a deadlock); nil when the server did not answer.
    var sqlState: String? { (error as? PSQLError)?.serverInfo?[.sqlState] }

    /// True when the connection is gone (refused, reset, closed) or going (the server ended the
    /// session: a FATAL error such as 57P01 when the database shuts down), not when the server
    /// refused a statement. Nothing may be sent on a connection past this point: PostgresNIO never
    /// answers a request written to a channel that has closed meanwhile, so a `ROLLBACK` after a
    /// FATAL would wait forever.
    var lostConnection: Bool {
        guard let error = error as? PSQLError else { return true }
        guard let info = error.serverInfo else { return true }
        return info[.severity] == "FATAL" || info[.severity] == "PANIC"
            || info[.sqlState].map { $0.hasPrefix("08") || $0.hasPrefix("57P") } ?? false
    }

    /// True when nothing more may be sent on `connection` after `error` from a body run on it: the
    /// connection closed or the server ended the session. Errors of the body's own (not
    /// PostgresNIO's: a duplicate point) leave the connection usable.
    static func endsSession(_ error: any Error, on connection: PostgresConnection) -> Bool {
        connection.isClosed || error is PSQLError && PostgresFailure(error).lostConnection
    }

    var description: String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo {
            return "\(info[.message] ?? "server error") (SQLSTATE \(info[.sqlState] ?? "?"))"
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }
}
