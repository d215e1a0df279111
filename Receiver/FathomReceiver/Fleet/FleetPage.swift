import Mustache

/// The fleet page `/fleet`: server-rendered HTML (swift-mustache for the page, `FleetHostRows` for
/// its host rows, values from outside HTML-escaped), no script, reloading itself every minute with
/// a `<meta http-equiv="refresh">`. Counts per cluster on top, then each cluster's hosts, silent
/// first. Rows carry `data-host` and `data-state` so scripts and tests can read the page without
/// scraping its layout.
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
        case "hostRows": return FleetHostRows.html(hosts)
        case "anySilent": return silent > 0
        default: return nil
        }
    }
}
