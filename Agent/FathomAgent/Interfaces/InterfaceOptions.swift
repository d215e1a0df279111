#if canImport(Glibc)
    import Glibc
#endif

/// Which interfaces the agent samples and how often (`[interfaces]` in the agent's TOML; an absent
/// section samples none).
///
/// An interface is sampled when it matches an `include` glob (or `include` is empty) and no
/// `exclude` glob. Virtual devices (those under `/sys/devices/virtual`: bridges, veths, tunnels,
/// loopback) are skipped unless `virtual = true` or an `include` glob names them.
///
/// ```toml
/// [interfaces]
/// interval = 30
/// include = ["eth*", "en*", "ib*"]
/// exclude = ["lo"]
/// virtual = false
/// ```
public struct InterfaceOptions: Sendable, Equatable {
    /// Seconds between samples, aligned to wall-clock multiples like process samples.
    public var intervalSeconds = 30
    /// Shell globs (`fnmatch`) of interface names to sample; empty means every interface.
    public var include: [String] = []
    /// Shell globs of interface names never sampled.
    public var exclude: [String] = ["lo"]
    /// Sample virtual devices too, not only those an include glob names.
    public var includeVirtual = false

    public init() {}

    /// Whether the interface `name` is sampled; `isVirtual` says whether its device is virtual.
    public func selects(_ name: String, isVirtual: Bool) -> Bool {
        let included = include.contains { Self.matches($0, name) }
        guard include.isEmpty || included else { return false }
        guard !exclude.contains(where: { Self.matches($0, name) }) else { return false }
        return !isVirtual || includeVirtual || included
    }

    static func matches(_ glob: String, _ name: String) -> Bool {
        fnmatch(glob, name, 0) == 0
    }
}
