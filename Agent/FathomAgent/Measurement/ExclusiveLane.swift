import Synchronization

/// Admits one exclusive test at a time on this host: the scheduler's throughput runs wait their
/// turn in arrival order (queued, never dropped), while the responder, which must answer a
/// client at once, only takes the lane when it is free and otherwise tells the client the
/// server is busy (what `iperf3 -s` does during a test).
///
/// A holder may name a guest: the iperf3 cookie of its own client's test, so a test this host
/// runs to its own responder is served by it (``admit(cookie:)``) rather than refused as busy.
///
/// ```swift
/// let lane = ExclusiveLane()
/// try await lane.withTurn(guest: cookie) { try runThroughput(cookie) }      // scheduler: waits
/// switch lane.admit(cookie: theirs) { case .busy: denyBusy(); case .acquired: serve(); lane.release(); case .guest: serve() }
/// ```
public final class ExclusiveLane: Sendable {
    private struct State {
        var held = false
        /// The holder's own test's cookie, which its responder serves while the lane is held.
        var guest: [UInt8]?
        var nextTicket: UInt64 = 0
        var waiters: [(ticket: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether some test holds the lane now.
    public var isHeld: Bool { state.withLock { $0.held } }

    /// Number of runs waiting for their turn.
    public var waiting: Int { state.withLock { $0.waiters.count } }

    /// Takes the lane if it is free and nobody is queued; never waits.
    public func tryAcquire() -> Bool {
        state.withLock { s in
            guard !s.held, s.waiters.isEmpty else { return false }
            s.held = true
            return true
        }
    }

    /// Waits for the lane in arrival order. Returns false (not holding the lane) when the
    /// waiting task is cancelled.
    public func acquire() async -> Bool {
        let ticket: UInt64? = state.withLock { s in
            if !s.held && s.waiters.isEmpty {
                s.held = true
                return nil
            }
            s.nextTicket += 1
            return s.nextTicket
        }
        guard let ticket else { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Decided under the lock: a release between taking the ticket and queueing
                // must not leave this waiter behind a free lane.
                let decided = state.withLock { s -> Bool? in
                    if Task.isCancelled { return false }
                    if !s.held && s.waiters.isEmpty {
                        s.held = true
                        return true
                    }
                    s.waiters.append((ticket, continuation))
                    return nil
                }
                if let decided { continuation.resume(returning: decided) }
            }
        } onCancel: {
            let cancelled = state.withLock { s -> CheckedContinuation<Bool, Never>? in
                guard let index = s.waiters.firstIndex(where: { $0.ticket == ticket }) else { return nil }
                return s.waiters.remove(at: index).continuation
            }
            cancelled?.resume(returning: false)
        }
    }

    /// How the responder may serve a client that sent `cookie`.
    public enum Admission: Sendable, Equatable {
        /// The lane was free and is now the responder's, to release after the test.
        case acquired
        /// The holder's own test (the host testing to itself): served under the holder's turn.
        case guest
        /// Another test holds or waits for the lane: the client is told the server is busy.
        case busy
    }

    /// Takes the lane for a client if it is free, or admits the holder's own test; never waits.
    public func admit(cookie: [UInt8]) -> Admission {
        state.withLock { s in
            if !s.held && s.waiters.isEmpty {
                s.held = true
                return .acquired
            }
            return s.held && s.guest == cookie ? .guest : .busy
        }
    }

    /// Hands the lane to the longest waiter, or frees it.
    public func release() {
        let next = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            s.guest = nil
            guard !s.waiters.isEmpty else {
                s.held = false
                return nil
            }
            return s.waiters.removeFirst().continuation
        }
        next?.resume(returning: true)
    }

    /// Runs `body` holding the lane, with `guest` (the cookie of the test `body` runs) admitted
    /// by ``admit(cookie:)``; nil when cancelled before its turn came.
    public func withTurn<T: Sendable>(guest: [UInt8]? = nil, _ body: () async throws -> T) async rethrows -> T? {
        guard await acquire() else { return nil }
        state.withLock { $0.guest = guest }
        defer { release() }
        return try await body()
    }
}
