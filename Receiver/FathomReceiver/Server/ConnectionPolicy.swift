#if canImport(Glibc)
    import Glibc
#endif

/// How long a stranger may hold a connection, and how many may be open at once: the limits that
/// keep slow or silent clients from pinning the receiver's descriptors and memory.
///
/// ```swift
/// var policy = ConnectionPolicy()
/// policy.headerTimeout = .seconds(2)         // a request head must arrive within 2 s of its first byte
/// policy.effectiveMaxConnections()           // the cap, bounded by RLIMIT_NOFILE when not set
/// ```
public struct ConnectionPolicy: Sendable, Equatable {
    /// From accept to a finished TLS handshake.
    public var handshakeTimeout: Duration = .seconds(10)
    /// From the first byte of a request head to its blank line; bytes trickled in do not extend it.
    public var headerTimeout: Duration = .seconds(10)
    /// A keep-alive connection with no request in progress is closed after this long.
    public var idleTimeout: Duration = .seconds(60)
    /// Open connections beyond this are accepted and closed at once; nil: 4096, bounded by the
    /// descriptor limit (see `effectiveMaxConnections`).
    public var maxConnections: Int?

    /// Descriptors kept for day files, the ledger, the archive database and the accept itself.
    static let reservedDescriptors = 128
    static let defaultMaxConnections = 4096

    public init() {}

    /// The cap in force: the configured one as given (an operator may know better), else 4096 or
    /// what the soft `RLIMIT_NOFILE` leaves after the reserve, whichever is smaller.
    public func effectiveMaxConnections() -> Int {
        if let maxConnections { return maxConnections }
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else {
            return Self.defaultMaxConnections
        }
        let room = Int(clamping: limit.rlim_cur) - Self.reservedDescriptors
        return max(16, min(Self.defaultMaxConnections, room))
    }

    /// The problem with these limits, if any.
    public func validationError() -> String? {
        for (name, value) in [
            ("handshake timeout", handshakeTimeout), ("header timeout", headerTimeout), ("idle timeout", idleTimeout),
        ] where value <= .zero {
            return "\(name) must be positive"
        }
        if let maxConnections, maxConnections < 1 { return "max connections must be at least 1" }
        return nil
    }
}
