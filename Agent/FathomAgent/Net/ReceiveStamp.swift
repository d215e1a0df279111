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
    public static func instant(in control: ArraySlice<UInt8>) -> ContinuousClock.Instant {
        let now = ContinuousClock.now
        guard let stamp = ControlMessage.timespec(in: control, level: level, type: option) else { return now }
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        let age = Duration.seconds(wall.tv_sec - stamp.tv_sec) + .nanoseconds(wall.tv_nsec - stamp.tv_nsec)
        guard age >= .zero && age < .seconds(60) else { return now }
        return now - age
    }
}
