/// Where and as whom the agent uploads.
public struct ReceiverEndpoint: Sendable, Equatable {
    /// Base URL, e.g. `https://receiver.example:8443` (a path prefix is kept).
    public var baseURL: String
    public var cluster: String
    public var user: String
    public var password: String
    /// `http://` is refused unless this is set.
    public var insecureHTTP: Bool

    public init(baseURL: String, cluster: String, user: String, password: String, insecureHTTP: Bool = false) {
        self.baseURL = baseURL
        self.cluster = cluster
        self.user = user
        self.password = password
        self.insecureHTTP = insecureHTTP
    }

    /// The problem with this endpoint, if any.
    public func validationError() -> String? {
        if let problem = Self.schemeProblem(baseURL, insecureHTTP: insecureHTTP, what: "receiver URL") {
            return problem
        }
        if cluster.isEmpty { return "cluster name is empty" }
        if user.isEmpty || password.isEmpty { return "upload user and password are required" }
        return nil
    }

    /// Why `url` may not be used: HTTPS is required, plain HTTP only with `insecure_http`.
    /// `what` names the URL in the message ("receiver URL", "archive URL").
    public static func schemeProblem(_ url: String, insecureHTTP: Bool, what: String) -> String? {
        let lower = url.lowercased()
        if lower.hasPrefix("http://") {
            return insecureHTTP ? nil : "\(what) \(url) is plain HTTP; set insecure_http = true to allow it"
        }
        return lower.hasPrefix("https://") ? nil : "\(what) must start with https:// (got \(url))"
    }

    /// `<base>/<path>?cluster=<cluster>` with the cluster percent-encoded.
    public func url(path: String) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + path + "?cluster=" + Self.percentEncode(cluster)
    }

    static func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(b)))
            default:
                let hex = Array("0123456789ABCDEF")
                out += "%" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 15)])
            }
        }
        return out
    }
}
