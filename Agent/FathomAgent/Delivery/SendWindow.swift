/// Spreads uploads from many hosts over a window, so a cluster does not hit the receiver at once.
///
/// Each send waits a random delay, uniform in `[0, seconds)`; the generator is passed in so tests
/// can use a seeded one.
///
/// ```swift
/// var rng = SystemRandomNumberGenerator()
/// try await Task.sleep(for: SendWindow(seconds: 60).delay(using: &rng))
/// ```
public struct SendWindow: Sendable, Equatable {
    /// The window length. Negative, NaN and infinite inputs are clamped into `0...maxSeconds`.
    public let seconds: Double
    /// About 31 years: far beyond any sensible window, and small enough that nanoseconds fit in Int64.
    public static let maxSeconds: Double = 1e9

    public init(seconds: Double) {
        self.seconds = seconds.isNaN ? 0 : min(max(seconds, 0), Self.maxSeconds)
    }

    /// A delay uniform in `[0, seconds)`, with nanosecond resolution; zero for an empty window.
    public func delay<R: RandomNumberGenerator>(using rng: inout R) -> Duration {
        // Drawing whole nanoseconds keeps the bound exact; scaling a random Double could round up to `seconds`.
        let window = Int64(seconds * 1e9)
        guard window > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0..<window, using: &rng))
    }
}
