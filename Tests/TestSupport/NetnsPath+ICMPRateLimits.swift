/// The ICMP rate-limit settings that make a `NetnsPath` hold answers back (`NetnsPath` turns the
/// limits off): one namespace silenced outright, or every namespace back on Linux's defaults.
/// Shared by `TraceSilentPathTests` and `fathom-bench network`.
///
/// ```swift
/// try path.exec(path.server, "sysctl", "-qw", NetnsPath.silentICMPRateLimit)
/// for namespace in path.namespaces { try path.exec(namespace, ["sysctl", "-qw"] + NetnsPath.defaultICMPRateLimits) }
/// ```
extension NetnsPath {
    /// Milliseconds between two ICMP errors to one peer that no burst can reach: the namespace
    /// sends no time-exceeded or unreachable at all.
    public static let silentICMPRateLimit = "net.ipv4.icmp_ratelimit=100000000"
    /// Linux's defaults: a per-peer burst of 6 refilled at 1/s, 1000 messages/s in all.
    public static let defaultICMPRateLimits = [
        "net.ipv4.icmp_ratelimit=1000", "net.ipv4.icmp_ratemask=6168", "net.ipv4.icmp_msgs_per_sec=1000",
        "net.ipv4.icmp_msgs_burst=50", "net.ipv6.icmp.ratelimit=1000",
    ]
}
