import Synchronization

/// The idle keep-alive connections of the agent's HTTP client, per `scheme://host:port`: a request
/// takes one (the newest still usable) or makes its own, and gives it back when the answer left it
/// usable. Connections idle past `idleTimeout`, or that the server closed meanwhile, are closed on
/// the next take; after ``shutdown()`` nothing is kept.
///
/// ```swift
/// let stream = pool.take(target.poolKey) ?? try connect(target)
/// pool.put(stream, key: target.poolKey)
/// ```
final class HTTPConnectionPool: Sendable {
    private struct Idle {
        let stream: any HTTPByteStream
        let since: ContinuousClock.Instant
    }

    private struct State {
        var idle: [String: [Idle]] = [:]
        var shutDown = false
    }

    private let state = Mutex(State())
    let idleTimeout: Duration
    let maxIdlePerHost: Int

    init(idleTimeout: Duration = .seconds(120), maxIdlePerHost: Int = 2) {
        self.idleTimeout = idleTimeout
        self.maxIdlePerHost = maxIdlePerHost
    }

    var isShutDown: Bool { state.withLock { $0.shutDown } }

    /// An idle connection to `key` the server has not closed, handed out exclusively; nil if none.
    /// Idle connections to other hosts that expired or were closed meanwhile are closed too (a TLS
    /// relay whose server hung up is then reaped, not left a zombie until its host is asked again).
    func take(_ key: String) -> (any HTTPByteStream)? {
        let now = ContinuousClock.now
        var stale: [any HTTPByteStream] = []
        var found: (any HTTPByteStream)?
        state.withLock { state in
            while found == nil, let idle = state.idle[key]?.popLast() {
                if idle.since.duration(to: now) < idleTimeout && idle.stream.isReusable {
                    found = idle.stream
                } else {
                    stale.append(idle.stream)
                }
            }
            for (other, connections) in state.idle where other != key {
                let usable = connections.filter { $0.since.duration(to: now) < idleTimeout && $0.stream.isReusable }
                guard usable.count < connections.count else { continue }
                let kept = Set(usable.map { ObjectIdentifier($0.stream) })
                stale += connections.filter { !kept.contains(ObjectIdentifier($0.stream)) }.map(\.stream)
                state.idle[other] = usable
            }
        }
        for stream in stale { stream.close() }
        return found
    }

    /// Keeps `stream` for the next request to `key`, or closes it (pool full or shut down).
    func put(_ stream: any HTTPByteStream, key: String) {
        let kept = state.withLock { state in
            guard !state.shutDown, state.idle[key, default: []].count < maxIdlePerHost else { return false }
            state.idle[key, default: []].append(Idle(stream: stream, since: .now))
            return true
        }
        if !kept { stream.close() }
    }

    /// Closes every idle connection; the pool stays open for the next requests.
    func closeIdle() {
        let all = state.withLock { state in
            defer { state.idle = [:] }
            return state.idle.values.flatMap { $0.map(\.stream) }
        }
        for stream in all { stream.close() }
    }

    /// Closes every idle connection; later ones given back are closed at once.
    func shutdown() {
        let all = state.withLock { state in
            state.shutDown = true
            defer { state.idle = [:] }
            return state.idle.values.flatMap { $0.map(\.stream) }
        }
        for stream in all { stream.close() }
    }
}
