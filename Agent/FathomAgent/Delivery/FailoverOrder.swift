import Synchronization

/// Something an upload can go to: a receiver or an esmond archive, named for logs and errors.
public protocol FailoverTarget: Sendable {
    /// The base URL, for the log line that says which receiver took a batch.
    var address: String { get }
}

/// The receivers (or archives) one agent uploads to, in an order shuffled once per agent so a
/// fleet spreads over them. An upload starts at the target that last answered and moves on to the
/// next one only when that one is ``DeliveryResult/unavailable(_:)`` (no connection, a timeout,
/// 429, 5xx): batch ids make a resend elsewhere safe, and sticking to one target keeps an agent's
/// batches together. Any other answer (acknowledged, refused, an authentication failure, which
/// every receiver of one fleet would give alike) ends the round where it is.
///
/// ```swift
/// let receivers = FailoverOrder(shuffling: clients)
/// let attempt = await receivers.send { client in await client.upload(kind: .samples, batchID: id, payload: bytes) }
/// logger.debug("batch delivered", metadata: ["receiver": "\(attempt.target.address)"])
/// ```
public final class FailoverOrder<Target: FailoverTarget>: Sendable {
    /// How one upload went over the targets.
    public struct Attempt: Sendable {
        /// The first answer that was not `.unavailable`; when all were, one naming every target's reason.
        public var result: DeliveryResult
        /// The target that gave `result`.
        public var target: Target
        /// The targets passed over this time, each with why, in the order they were tried.
        public var passedOver: [(target: Target, reason: String)]
        /// Whether `result` came from another target than the one the upload started at.
        public var failedOver: Bool
    }

    /// The targets in this agent's order.
    public let targets: [Target]
    /// Index in `targets` of the one an upload starts at: the last that answered.
    private let preferred = Mutex(0)

    /// Keeps `targets` in the order given (tests, or a single target). `targets` must not be empty.
    public init(ordered targets: [Target]) {
        precondition(!targets.isEmpty, "FailoverOrder needs at least one target")
        self.targets = targets
    }

    /// Shuffles `targets` once, with `rng`, so agents of one fleet start at different receivers.
    public convenience init<R: RandomNumberGenerator>(shuffling targets: [Target], using rng: inout R) {
        self.init(ordered: targets.shuffled(using: &rng))
    }

    /// Shuffles `targets` with the system's random source.
    public convenience init(shuffling targets: [Target]) {
        var rng = SystemRandomNumberGenerator()
        self.init(shuffling: targets, using: &rng)
    }

    /// The target the next upload starts at.
    public var current: Target { targets[preferred.withLock { $0 }] }

    /// Calls `upload` with the current target, then with each next one while the answer is
    /// `.unavailable`, at most once per target. A target that answers becomes the current one;
    /// after a round in which none did, the current one stays (the caller backs off and retries).
    public func send(_ upload: (Target) async -> DeliveryResult) async -> Attempt {
        let start = preferred.withLock { $0 }
        var passedOver: [(target: Target, reason: String)] = []
        for step in 0..<targets.count {
            let index = (start + step) % targets.count
            let target = targets[index]
            let result = await upload(target)
            if case .unavailable(let reason) = result, step + 1 < targets.count {
                passedOver.append((target, reason))
                continue
            }
            if case .unavailable(let reason) = result {
                // Every target failed: the error names each, so the operator sees the whole round.
                let all = passedOver.map { "\($0.target.address): \($0.reason)" } + ["\(target.address): \(reason)"]
                let combined: DeliveryResult = passedOver.isEmpty ? result : .unavailable(all.joined(separator: "; "))
                return Attempt(result: combined, target: target, passedOver: passedOver, failedOver: false)
            }
            preferred.withLock { $0 = index }
            return Attempt(result: result, target: target, passedOver: passedOver, failedOver: step > 0)
        }
        preconditionFailure("the loop returns at the last target")
    }
}
