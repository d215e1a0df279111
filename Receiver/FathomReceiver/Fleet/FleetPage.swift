import Mustache

/// The fleet page `/fleet`: server-rendered HTML (swift-mustache, HTML-escaped values), no script,
/// reloading itself every minute with a `<meta http-equiv="refresh">`. Counts per cluster on top,
/// then each cluster's hosts, silent first. Rows carry `data-host` and `data-state` so scripts and
/// tests can read the page without scraping its layout.
///
/// ```swift
/// let html = FleetPage.render(registry.view(now: now) { _ in true })
/// ```
public enum FleetPage {
    static let template: MustacheTemplate = {
        do {
            return try MustacheTemplate(string: FleetPageTemplate.html)
        } catch {
            preconditionFailure("the fleet page template does not parse: \(error)")
        }
    }()

    public static func render(_ view: FleetView) -> String {
        template.render(view)
    }
}

extension FleetView: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "generatedAt": return generatedAt
        case "clusters": return clusters
        case "hostCount": return String(clusters.reduce(0) { $0 + $1.hosts.count })
        case "silentCount": return String(clusters.reduce(0) { $0 + $1.silent })
        default: return nil
        }
    }
}

extension FleetView.Cluster: MustacheParent {
    public func child(named key: String) -> Any? {
        switch key {
        case "name": return name
        case "online": return String(online)
        case "late": return String(late)
        case "silent": return String(silent)
        case "hosts": return hosts
        case "anySilent": return silent > 0
        default: return nil
        }
    }
}

extension FleetView.Host: MustacheParent {
    public func child(named key: String) -> Any? {
        switch key {
        case "host": return host
        case "state": return state.rawValue
        case "lastUpload": return lastUpload
        case "age": return Self.duration(ageSeconds)
        case "lastSample": return lastSample ?? "—"
        case "cadence": return Self.duration(cadenceSeconds) + (cadenceSource == .learned ? "" : " (\(cadenceSource.rawValue))")
        case "cores": return cores.map(String.init) ?? "—"
        case "memory": return memoryGB.map { "\($0) GB" } ?? "—"
        case "gpus": return gpus.map(String.init) ?? "—"
        case "agentVersion": return agentVersion ?? "—"
        case "backlog":
            guard let backlogBatches, let backlogBytes else { return "—" }
            return "\(backlogBatches) (\(Self.bytes(backlogBytes)))"
        default: return nil
        }
    }

    /// "42 s", "5 min", "3 h 10 min", "2 d 4 h".
    static func duration(_ seconds: Int64) -> String {
        let s = max(0, seconds)
        if s < 120 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min" }
        if s < 86_400 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86_400) d \(s % 86_400 / 3600) h"
    }

    static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1 << 20 { return "\(n >> 10) KiB" }
        if n < 1 << 30 { return "\(n >> 20) MiB" }
        return "\(n >> 30) GiB"
    }
}
