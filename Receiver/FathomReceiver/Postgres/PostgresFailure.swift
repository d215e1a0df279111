import PostgresNIO

/// A database error in operator-facing words: the server's message and SQLSTATE, or what broke
/// the connection (PostgresNIO's own description hides both).
struct PostgresFailure: CustomStringConvertible {
    let error: any Error

    init(_ error: any Error) { self.error = error }

    /// The server's SQLSTATE (e.g. `40P01` for a deadlock); nil when the server did not answer.
    var sqlState: String? { (error as? PSQLError)?.serverInfo?[.sqlState] }

    /// True when the connection is gone (refused, reset, closed), not when the server refused a statement.
    var lostConnection: Bool {
        guard let error = error as? PSQLError else { return true }
        return error.serverInfo == nil
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
