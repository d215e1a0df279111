import HTTPTypes
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The DNS lookups behind the archive's address filters (`?source=host.example.org`), kept away
/// from the request handlers: anyone may read the archive, and `getaddrinfo` on a name whose
/// server never answers blocks for tens of seconds.
///
/// Lookups run on a few threads of their own (an `NIOThreadPool`), never on an event loop or a
/// cooperative thread; a request waits at most `timeout` and then gets a 400; answers are cached
/// (found and not found) for a short time; concurrent requests for one name share one lookup;
/// and at most `maxLookups` names are looked up at once, beyond which requests get a 503 at once.
///
/// ```swift
/// let addresses = try await ArchiveHostResolver.shared.addresses(of: "ps1.example.org", rule: "v4v6")
/// ```
public final class ArchiveHostResolver: Sendable {
    /// The first answer of each family (esmond `prepare_ip` asks for both, one by one).
    struct Answer: Sendable, Equatable {
        var v4: String?
        var v6: String?
    }

    struct Cached {
        var answer: Answer
        var expires: ContinuousClock.Instant
    }

    struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Outcome, Never>
    }

    struct State {
        var cache: [String: Cached] = [:]
        /// Names being looked up, with the requests waiting for them.
        var inFlight: [String: [Waiter]] = [:]
        var nextWaiter = 0
    }

    /// One resolver for the process: its threads live as long as the receiver.
    public static let shared = ArchiveHostResolver()

    public let timeout: Duration
    public let foundTTL: Duration
    public let notFoundTTL: Duration
    public let maxLookups: Int
    public let maxCacheEntries: Int
    let lookup: @Sendable (String) -> Answer
    private let pool: NIOThreadPool
    private let state = Mutex(State())

    public convenience init(
        timeout: Duration = .seconds(2), foundTTL: Duration = .seconds(60), notFoundTTL: Duration = .seconds(10),
        threads: Int = 4, maxLookups: Int = 64
    ) {
        self.init(
            timeout: timeout, foundTTL: foundTTL, notFoundTTL: notFoundTTL, threads: threads, maxLookups: maxLookups,
            lookup: { host in
                Answer(
                    v4: IPAddressText.lookup(host, family: AF_INET), v6: IPAddressText.lookup(host, family: AF_INET6))
            })
    }

    init(
        timeout: Duration, foundTTL: Duration, notFoundTTL: Duration, threads: Int, maxLookups: Int,
        lookup: @escaping @Sendable (String) -> Answer
    ) {
        self.timeout = timeout
        self.foundTTL = foundTTL
        self.notFoundTTL = notFoundTTL
        self.maxLookups = maxLookups
        self.maxCacheEntries = 4_096
        self.lookup = lookup
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    /// The addresses a filter value stands for under a `dns-match-rule` (see ``IPAddressText``).
    public func addresses(of host: String, rule: String) async throws(ArchiveHTTPError) -> Set<String> {
        if let literal = IPAddressText.canonical(host) { return [literal] }
        guard host.utf8.count <= 253, !host.isEmpty else {
            throw .badRequest("Unable to find address for host \(host)")
        }
        guard let answer = try await answer(for: host.lowercased()) else {
            throw .badRequest("Lookup of host \(host) timed out")
        }
        let found = IPAddressText.select(v4: answer.v4, v6: answer.v6, rule: rule)
        if found.isEmpty { throw .badRequest("Unable to find address for host \(host)") }
        return found
    }

    enum Outcome {
        case answer(Answer)
        case timedOut
        case busy
    }

    /// The cached answer, or one from a lookup within `timeout`; nil when the time ran out.
    func answer(for host: String) async throws(ArchiveHTTPError) -> Answer? {
        let outcome: Outcome = await withCheckedContinuation { continuation in
            // Cache check, limit and registration under one lock, so one name starts one lookup.
            let now = ContinuousClock.now
            let (immediate, id, start): (Outcome?, Int, Bool) = state.withLock { state in
                if let cached = state.cache[host], cached.expires > now { return (.answer(cached.answer), 0, false) }
                let start = state.inFlight[host] == nil
                if start && state.inFlight.count >= maxLookups { return (.busy, 0, false) }
                state.nextWaiter += 1
                state.inFlight[host, default: []].append(Waiter(id: state.nextWaiter, continuation: continuation))
                return (nil, state.nextWaiter, start)
            }
            if let immediate {
                continuation.resume(returning: immediate)
                return
            }
            if start {
                pool.submit { [self] _ in finish(host, lookup(host)) }
            }
            // The timer is a task of its own: the request gives up waiting, the lookup goes on
            // and still fills the cache when it ends.
            Task { [self, timeout] in
                try? await Task.sleep(for: timeout)
                giveUp(host, id: id)
            }
        }
        switch outcome {
        case .answer(let answer): return answer
        case .timedOut: return nil
        case .busy:
            throw ArchiveHTTPError(.serviceUnavailable, "Too many host name lookups in progress; try again later")
        }
    }

    private func finish(_ host: String, _ answer: Answer) {
        let found = answer.v4 != nil || answer.v6 != nil
        let expires = ContinuousClock.now + (found ? foundTTL : notFoundTTL)
        let waiters = state.withLock { state in
            if state.cache.count >= maxCacheEntries {
                let now = ContinuousClock.now
                state.cache = state.cache.filter { $0.value.expires > now }
                if state.cache.count >= maxCacheEntries { state.cache = [:] }
            }
            state.cache[host] = Cached(answer: answer, expires: expires)
            return state.inFlight.removeValue(forKey: host) ?? []
        }
        for waiter in waiters { waiter.continuation.resume(returning: .answer(answer)) }
    }

    private func giveUp(_ host: String, id: Int) {
        let waiter: Waiter? = state.withLock { state in
            guard let index = state.inFlight[host]?.firstIndex(where: { $0.id == id }) else { return nil }
            return state.inFlight[host]!.remove(at: index)
        }
        waiter?.continuation.resume(returning: .timedOut)
    }
}
