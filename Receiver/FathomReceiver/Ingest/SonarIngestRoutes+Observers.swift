import FathomShared
import Foundation
import HTTPTypes
import Hummingbird

/// What the ingest routes tell the fleet registry and the metrics, kept apart from the checks.
extension SonarIngestRoutes {
    static let agentVersionHeader = HTTPField.Name(WireHeaders.agentVersion)!
    static let spoolBacklogHeader = HTTPField.Name(WireHeaders.spoolBacklog)!

    /// After the writer committed (or recognised a replay of) an upload.
    func committed(_ kind: UploadKind, cluster: String, appends: [FileAppend], request: Request, bytes: Int) {
        metrics?.uploadAnswered(cluster: cluster, status: 200, bytes: bytes)
        guard let fleet else { return }
        let version = request.headers[Self.agentVersionHeader]
        let backlog = request.headers[Self.spoolBacklogHeader].flatMap(SpoolBacklog.init(headerValue:))
        let upload =
            kind == .samples
            ? FleetUpload.samples(cluster: cluster, appends: appends, agentVersion: version, backlog: backlog)
            : FleetUpload.sysinfo(cluster: cluster, appends: appends, agentVersion: version, backlog: backlog)
        fleet.record(upload, at: Int64(Date().timeIntervalSince1970))
    }

    /// Any answer but 200. The cluster is a label only once credentials were valid for it (an
    /// unauthenticated or unauthorised client must not choose label values).
    func answered(_ status: HTTPResponse.Status, cluster: String?, user: String?) {
        guard let metrics else { return }
        if status == .unauthorized { metrics.authFailed(endpoint: "upload") }
        let trusted = user != nil && status != .forbidden ? cluster : nil
        metrics.uploadAnswered(cluster: trusted, status: Int(status.code))
    }
}
