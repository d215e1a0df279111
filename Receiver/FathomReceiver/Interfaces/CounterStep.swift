/// How much a kernel counter grew between two samples, telling wraps from resets.
///
/// A counter that went down either wrapped (drivers keep 32- or 64-bit counters) or restarted
/// (reboot, driver reload, interface re-created). A wrap explains the drop only when the growth it
/// implies is plausible for the step: at most `maxPerSecond` over `seconds`. A larger implied
/// growth is a reset, and the step has no value, so a rate is never negative and never absurd.
/// Growth without a drop is held to the same bound (a counter jumping by petabytes is not traffic).
///
/// ```swift
/// CounterStep.growth(from: 4_294_967_000, to: 200, seconds: 30, maxPerSecond: 1.25e9)  // 496: 32-bit wrap
/// CounterStep.growth(from: 9_000_000_000, to: 12, seconds: 30, maxPerSecond: 1.25e9)   // nil: reset
/// ```
public enum CounterStep {
    /// The counter's growth over the step, or nil when it cannot be told (reset, absurd jump,
    /// a step of no length).
    public static func growth(from previous: UInt64, to current: UInt64, seconds: Double, maxPerSecond: Double)
        -> UInt64?
    {
        guard seconds > 0 else { return nil }
        let bound = maxPerSecond * seconds
        if current >= previous {
            let delta = current - previous
            return Double(delta) <= bound ? delta : nil
        }
        // A 32-bit counter can only wrap from below 2^32 to below 2^32.
        if previous <= UInt64(UInt32.max) {
            let wrapped = (UInt64(UInt32.max) - previous) + current + 1
            if Double(wrapped) <= bound { return wrapped }
        }
        // &- is exactly the 64-bit wrap: 2^64 - previous + current.
        let wrapped = current &- previous
        return Double(wrapped) <= bound ? wrapped : nil
    }

    /// The most bytes per second an interface can plausibly move: a quarter over its line rate when
    /// the kernel knows the speed, else 400 Gbit/s (loopback and virtual links report none).
    public static func maxBytesPerSecond(speedMbps: Int?) -> Double {
        guard let speedMbps, speedMbps > 0 else { return 50e9 }
        return Double(speedMbps) * 125_000 * 1.25
    }

    /// The most packets per second (errors, drops): line rate in minimum-size Ethernet frames
    /// (84 bytes on the wire with preamble and gap), with the same headroom.
    public static func maxPacketsPerSecond(speedMbps: Int?) -> Double {
        maxBytesPerSecond(speedMbps: speedMbps) / 84
    }
}
