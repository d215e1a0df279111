/// How often a host is expected to upload, and whether it is late or silent.
///
/// The cadence is learned from the host's own recent sample uploads (the median interval, ignoring
/// the sub-2-second gaps of a spool catching up), unless the receiver's config sets one for the
/// cluster (`fleet_cadence`). Agents upload at a random moment inside their send window, so an
/// upload is allowed half a cadence of slack: a host is **late** once one expected upload is
/// missing (age ≥ 1.5 × cadence) and **silent** once three are (age ≥ 3.5 × cadence).
///
/// ```swift
/// let cadence = HostCadence.learned(from: [0, 300, 600, 905]) ?? HostCadence.defaultSeconds  // 300
/// HostCadence.state(ageSeconds: 500, cadenceSeconds: cadence)                               // .late
/// ```
public enum HostCadence {
    /// sonar's and the agent's default sampling interval, used until a host has two sample uploads.
    public static let defaultSeconds: Int64 = 300
    /// Gaps shorter than this are one delivery draining several batches, not the host's rhythm.
    static let burstSeconds: Int64 = 2

    /// Where a host's cadence came from, shown on the page.
    public enum Source: String, Sendable, Codable {
        case configured, learned, assumed
    }

    public static func learned(from uploads: [Int64]) -> Int64? {
        var gaps: [Int64] = []
        for (a, b) in zip(uploads, uploads.dropFirst()) where b - a >= burstSeconds { gaps.append(b - a) }
        guard !gaps.isEmpty else { return nil }
        gaps.sort()
        return gaps[gaps.count / 2]
    }

    public static func state(ageSeconds: Int64, cadenceSeconds: Int64) -> HostState {
        let cadence = max(1, cadenceSeconds)
        // Expected uploads now past their half-cadence slack: ⌊(age − c/2) / c⌋, kept in integers.
        let missed = (2 * ageSeconds - cadence) / (2 * cadence)
        switch missed {
        case ..<1: return .online
        case 1..<3: return .late
        default: return .silent
        }
    }
}
