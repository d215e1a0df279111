/// Whether a host's uploads arrive on time, by its own cadence. Declared in the order the fleet
/// page lists hosts: silent first, since those need an operator.
///
/// ```swift
/// HostCadence.state(ageSeconds: 1_200, cadenceSeconds: 300)   // .silent
/// ```
public enum HostState: String, Sendable, Codable, CaseIterable, Comparable {
    case silent, late, online

    /// The position in the declared order (the fleet page sorts 10,000 hosts by it).
    private var rank: Int {
        switch self {
        case .silent: return 0
        case .late: return 1
        case .online: return 2
        }
    }

    public static func < (a: HostState, b: HostState) -> Bool { a.rank < b.rank }
}
