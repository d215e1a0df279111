import PostgresNIO

extension PostgresConnection {
    /// Closes the connection without waiting, and keeps it until its channel has closed: a
    /// connection freed while its channel is still open fails PostgresNIO's assertion in debug
    /// builds (this stopped a debug receiver whose store went away: the FATAL reached a query
    /// before the EOF, the connection was dropped, and the task that held it last ended first).
    func closeInBackground() {
        close().whenComplete { _ in withExtendedLifetime(self) {} }
    }
}
