import FathomShared

/// Parses `fleet_cadence` entries (`CLUSTER=SECONDS`, from the config file or repeated
/// `--fleet-cadence` flags) into the per-cluster cadence overrides of `FleetRegistry`.
///
/// ```swift
/// try FleetCadenceSetting.parse(["fox.example.org=300", "saga=60"])   // ["fox.example.org": 300, "saga": 60]
/// ```
public enum FleetCadenceSetting {
    public static func parse(_ entries: [String]) throws(ConfigError) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for entry in entries {
            guard let eq = entry.lastIndex(of: "="), let seconds = Int64(entry[entry.index(after: eq)...]), seconds > 0,
                let cluster = StorageName(String(entry[..<eq]))
            else {
                throw ConfigError(
                    "'\(entry)' is not CLUSTER=SECONDS with a valid cluster name and a positive whole number")
            }
            out[cluster.value] = seconds
        }
        return out
    }
}
