import NIOCore

/// Conversions between settings' `Duration`s and what the clocks underneath want.
///
/// ```swift
/// Duration.milliseconds(1500).seconds        // 1.5
/// Duration.seconds(2).timeAmount             // TimeAmount.nanoseconds(2_000_000_000)
/// ```
extension Duration {
    /// The duration as floating-point seconds.
    var seconds: Double {
        let (s, attos) = components
        return Double(s) + Double(attos) / 1e18
    }

    /// The duration as NIO's `TimeAmount`, for scheduling on an event loop.
    var timeAmount: TimeAmount {
        let (s, attos) = components
        return .nanoseconds(s * 1_000_000_000 + attos / 1_000_000_000)
    }
}
