/// One request of the agent's HTTP client: a method, an absolute `http(s)://` URL, header fields
/// (the client adds `Host`, `Content-Length` and `Connection`) and a body sent whole.
///
/// ```swift
/// let request = AgentHTTPRequest(method: "POST", url: url, headers: [("Content-Type", "application/json")], body: bytes)
/// ```
public struct AgentHTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// The answer to an ``AgentHTTPRequest``: status, header fields (names lowercased) and the whole body.
public struct AgentHTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }

    /// The body as text (invalid UTF-8 repaired).
    public var text: String { String(decoding: body, as: UTF8.self) }

    public static func == (a: AgentHTTPResponse, b: AgentHTTPResponse) -> Bool {
        a.status == b.status && a.body == b.body
            && a.headers.map { [$0.name, $0.value] } == b.headers.map { [$0.name, $0.value] }
    }
}
