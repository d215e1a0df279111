import Glibc

/// The kernel's receive time of a packet (`SO_TIMESTAMPNS`), as ping and traceroute use it: a
/// probe's answer is timed by when it arrived, not by when this process got round to reading it
/// (a thread woken late on a loaded node would otherwise lengthen every RTT).
///
/// ```swift
/// guard ReceiveStamp.enable(on: fd) else { ... }
/// // after recvmsg with a control buffer:
/// let at = ReceiveStamp.instant(in: control[..<controlLength])
/// ```
public enum ReceiveStamp {
    static let level: Int32 = 1  // SOL_SOCKET
    static let option: Int32 = 35  // SO_TIMESTAMPNS (and its control message SCM_TIMESTAMPNS)

    /// Asks the kernel to stamp what `fd` receives; false (errno set) when it refused.
    public static func enable(on fd: Int32) -> Bool {
        var on: Int32 = 1
        return setsockopt(fd, level, option, &on, 4) == 0
    }

    /// The stamp in a `recvmsg` control buffer (wall clock) as an instant of the monotonic clock:
    /// now less the packet's age, both clocks read together. Now when there is no stamp (the
    /// kernel switches stamping on in deferred work after the first socket asks, so the first
    /// packets may have none), or its age is negative or over a minute (the wall clock stepped).
    ///
    /// In 64-bit nanoseconds: `Duration`'s 128-bit arithmetic (`.seconds(_:)`, division) took a
    /// one-shot trace's first answer some 50 µs, most of it the first run of that code.
    public static func instant(in control: ArraySlice<UInt8>) -> ContinuousClock.Instant {
        guard let stamp = ControlMessage.timespec(in: control, level: level, type: option) else {
            return ContinuousClock.now
        }
        let (now, wall) = clocksTogether()
        let age = wall &- (Int64(stamp.tv_sec) &* 1_000_000_000 &+ Int64(stamp.tv_nsec))
        guard age >= 0 && age < 60_000_000_000 else { return now }
        return now - .nanoseconds(age)
    }

    /// The monotonic clock and the wall clock (nanoseconds since the epoch) at one moment: the
    /// wall clock read on both sides of the monotonic one, its midpoint taken, the closest of
    /// three tries kept. Read one after the other, a thread preempted between the reads on a
    /// loaded machine put the stamp that much earlier, before the probe was even sent.
    static func clocksTogether() -> (ContinuousClock.Instant, Int64) {
        func wall() -> Int64 {
            var t = timespec()
            clock_gettime(CLOCK_REALTIME, &t)
            return Int64(t.tv_sec) &* 1_000_000_000 &+ Int64(t.tv_nsec)
        }
        var best = (now: ContinuousClock.now, wall: Int64(0), gap: Int64.max)
        for _ in 0..<3 {
            let before = wall()
            let now = ContinuousClock.now
            let gap = wall() &- before
            if gap < best.gap { best = (now, before &+ gap / 2, gap) }
            if gap < 20_000 { break }
        }
        return (best.now, best.wall)
    }
}
