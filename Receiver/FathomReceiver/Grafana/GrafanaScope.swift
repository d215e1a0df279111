import FathomShared

/// Which cluster a Grafana target reads, and whether its viewer may: a credential sees exactly
/// the clusters it may upload to (`Credential.mayUpload`), so `fox:…` sees `fox` and
/// `ops:… clusters=fox,saga` sees both. Any other cluster is refused with 403.
///
/// ```swift
/// let cluster = try GrafanaScope.cluster(target.payload, request: request, viewer: credential)
/// ```
enum GrafanaScope {
    /// The payload's `cluster`, else an `=` filter on `cluster`, else the viewer's own cluster (a
    /// per-cluster credential, as SimpleJson targets have no payload).
    static func cluster(_ payload: GrafanaRequest.Payload, request: GrafanaRequest, viewer: Credential) throws -> String
    {
        let chosen =
            payload.string("cluster") ?? request.filterValues("cluster").first
            ?? (viewer.scope == .sameNameOnly ? viewer.user : nil)
        guard let cluster = chosen, !cluster.isEmpty else {
            throw GrafanaError.badRequest("payload.cluster is required (or an ad-hoc filter cluster=NAME)")
        }
        guard viewer.mayUpload(to: cluster) else {
            throw GrafanaError.forbidden("user \(viewer.user) may not read cluster \(cluster.prefix(80))")
        }
        return cluster
    }

    /// The clusters of `known` the viewer may see.
    static func visible(_ known: [String], viewer: Credential) -> [String] {
        var all = known
        if case .sameNameOnly = viewer.scope, !all.contains(viewer.user) { all.append(viewer.user) }
        if case .listed(let set) = viewer.scope { all += set.filter { !all.contains($0) } }
        return all.filter(viewer.mayUpload(to:)).sorted()
    }
}
