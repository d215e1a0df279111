/// Whether a host's uploads arrive on time, by its own cadence. Declared in the order the fleet
/// page lists hosts: silent first, since those need an operator.
///
/// ```swift
/// HostCadence.state(ageSeconds: 1_200, cadenceSeconds: 300)   // .silent
/// ```
public enum HostState: String, Sendable, Codable, CaseIterable, Comparable {
    case silent, late, online

    public static func < (a: HostState, b: HostState) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
