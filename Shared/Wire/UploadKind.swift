/// What an upload is, which fixes its URL path, its content type and its spool batch kind: the
/// contract agent and receiver share, so neither can drift from the other.
///
/// ```swift
/// request.url = endpoint.base + UploadKind.samples.path      // "/sonar-freecsv"
/// request.headers.add(name: "Content-Type", value: UploadKind.samples.contentType)
/// router.post(RouterPath(UploadKind.sysinfo.path)) { ... }
/// ```
public enum UploadKind: String, Sendable, CaseIterable {
    /// Sonar's free-CSV sample lines (`POST /sonar-freecsv?cluster=C`, `text/csv`).
    case samples = "sonar-freecsv"
    /// One sonar sysinfo JSON object (`POST /sysinfo?cluster=C`, `application/json`).
    case sysinfo = "sysinfo"
    /// Interface counter records, one ``InterfaceRecord`` line each (`POST /interfaces?cluster=C`, `text/csv`).
    case interfaces = "interfaces"

    /// The kinds Jobanalyzer's sonar uploads use, stored as day files by the sonar ingest routes.
    public static let sonarKinds: [UploadKind] = [.samples, .sysinfo]

    /// The URL path the receiver serves this kind on (Jobanalyzer's ingest paths).
    public var path: String {
        switch self {
        case .samples: "/sonar-freecsv"
        case .sysinfo: "/sysinfo"
        case .interfaces: "/interfaces"
        }
    }

    /// The media type an upload of this kind must carry (a `charset=utf-8` parameter is allowed).
    public var contentType: String {
        switch self {
        case .samples, .interfaces: "text/csv"
        case .sysinfo: "application/json"
        }
    }
}
