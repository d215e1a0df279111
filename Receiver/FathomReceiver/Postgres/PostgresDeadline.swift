import PostgresNIO
import Synchronization

/// Waits for a database operation at most a given time, whether or not the operation ever ends.
///
/// PostgresNIO answers every request written to a live connection, failing them when it closes,
/// but never answers one written to a channel that has closed meanwhile (the server ended the
/// session, a restart, a reset): that request waits forever, and closing the connection does not
/// end it. So the store never awaits a connection directly: the operation runs in a task of its
/// own and the caller resumes on its result or at the deadline, whichever comes first. At the
/// deadline `expired` runs (it closes the connection) and the caller gets ``Expired``; once the
/// connection has closed the caller gets ``ConnectionClosed`` about ``closedGrace`` later at the
/// latest.
/// A task still waiting is left behind, and its result, if any, is dropped.
///
/// ```swift
/// try await PostgresDeadline.run(on: connection) {
///     _ = try await connection.query("SELECT 1", logger: logger)
/// }
/// ```
enum PostgresDeadline {
    /// How long any one operation on the store may take: a database that hangs fails the
    /// uploads waiting on it (503) rather than holding them, or the shutdown, forever.
    static let limit: Duration = .seconds(30)

    struct Expired: Error, CustomStringConvertible {
        let limit: Duration
        var description: String { "the store did not answer within \(limit)" }
    }

    /// The connection closed under an operation that PostgresNIO then left unanswered.
    struct ConnectionClosed: Error, CustomStringConvertible {
        var description: String { "the connection to the store closed" }
    }

    /// How long an operation may still take once its connection has closed, for PostgresNIO to
    /// fail it with the server's own words (a FATAL message) before ``ConnectionClosed`` does.
    static let closedGrace: Duration = .milliseconds(200)
    static let closedPoll: Duration = .milliseconds(100)

    /// `operation` on `connection`: it fails with ``ConnectionClosed`` soon after the connection
    /// closes, and at the deadline the connection is closed.
    static func run<T: Sendable>(
        on connection: PostgresConnection, within limit: Duration = limit,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await run(
            within: limit, expired: { connection.closeInBackground() }, closed: { connection.isClosed },
            operation)
    }

    /// `operation`, or ``Expired`` once `limit` has passed (`expired` runs then), or
    /// ``ConnectionClosed`` once `closed` has said true for ``closedGrace`` (asked every
    /// ``closedPoll``: a callback on the connection's close would stay registered for the
    /// connection's whole life, one per operation); what the operation yields after that goes to
    /// `late` (a connection opened too late is closed there).
    static func run<T: Sendable>(
        within limit: Duration, expired: @escaping @Sendable () -> Void = {},
        closed: @escaping @Sendable () -> Bool = { false }, late: @escaping @Sendable (T) -> Void = { _ in },
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let answer = FirstAnswer(continuation)
            let timer = Task {
                let clock = ContinuousClock()
                let end = clock.now + limit
                var closedSince: ContinuousClock.Instant?
                while clock.now < end {
                    guard (try? await Task.sleep(for: min(closedPoll, end - clock.now))) != nil else { return }
                    if closedSince == nil && closed() { closedSince = clock.now }
                    if let closedSince, clock.now - closedSince >= closedGrace {
                        answer.give(.failure(ConnectionClosed()))
                        return
                    }
                }
                if answer.give(.failure(Expired(limit: limit))) { expired() }
            }
            Task {
                do {
                    let value = try await operation()
                    if !answer.give(.success(value)) { late(value) }
                } catch {
                    answer.give(.failure(error))
                }
                timer.cancel()
            }
        }
    }

    /// Resumes the continuation with the first result given; later ones are dropped.
    private final class FirstAnswer<T: Sendable>: Sendable {
        private let continuation: Mutex<CheckedContinuation<T, any Error>?>

        init(_ continuation: CheckedContinuation<T, any Error>) { self.continuation = Mutex(continuation) }

        /// True when this was the first answer.
        @discardableResult
        func give(_ result: Result<T, any Error>) -> Bool {
            guard let waiting = continuation.withLock({ $0.take() }) else { return false }
            waiting.resume(with: result)
            return true
        }
    }
}
