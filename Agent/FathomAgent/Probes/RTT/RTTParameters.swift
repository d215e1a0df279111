import FathomShared

/// What an rtt test measures, named as pScheduler's rtt spec names it (`dest`, `count`,
/// `interval`, `length`, `ttl`, `ip-version`, `timeout`).
///
/// ```swift
/// let parameters = try RTTParameters(dest: "10.0.0.2", count: 10, interval: .milliseconds(200)).validated()
/// parameters.specJSON   // {"schema":1,"dest":"10.0.0.2","count":10,"interval":"PT0.2S",…}
/// ```
public struct RTTParameters: Sendable, Equatable {
    /// pScheduler's defaults (`pscheduler-tool-ping/ping/run`): 5 probes, 1 s apart, 1 s wait.
    public static let defaultCount = 5
    public static let defaultInterval = Duration.seconds(1)
    public static let defaultTimeout = Duration.seconds(1)
    /// ping's default payload: 56 data bytes, 64 with the ICMP header.
    public static let defaultLength = 56

    public var dest: String
    /// Echo requests to send.
    public var count: Int
    /// Time between two requests.
    public var interval: Duration
    /// Data bytes after the 8-byte ICMP header (`ping -s`); nil for ping's 56.
    public var length: Int?
    /// TTL / hop limit of the requests; nil for the system default.
    public var ttl: Int?
    /// 4 or 6 to force a family; nil to take the first address `dest` resolves to.
    public var ipVersion: Int?
    /// How long the last request waits for its reply (`ping -W`).
    public var timeout: Duration

    public init(
        dest: String, count: Int = defaultCount, interval: Duration = defaultInterval, length: Int? = nil,
        ttl: Int? = nil, ipVersion: Int? = nil, timeout: Duration = defaultTimeout
    ) {
        self.dest = dest
        self.count = count
        self.interval = interval
        self.length = length
        self.ttl = ttl
        self.ipVersion = ipVersion
        self.timeout = timeout
    }

    /// The data bytes each request carries.
    public var payloadLength: Int { length ?? Self.defaultLength }

    /// How long a run takes at most: every interval, then the last request's wait.
    public var duration: Duration { interval * (count - 1) + timeout }

    /// Self when every field is in pScheduler's range (count ≥ 1, length ≤ 65507, ttl 1–255,
    /// positive interval and timeout).
    public func validated() throws(RTTError) -> RTTParameters {
        guard !dest.isEmpty else { throw .invalidParameter("dest is empty") }
        guard count >= 1, count <= 65535 else { throw .invalidParameter("count must be 1–65535") }
        guard interval > .zero, interval <= .seconds(3600) else { throw .invalidParameter("interval must be 0–3600 s") }
        guard timeout > .zero, timeout <= .seconds(3600) else { throw .invalidParameter("timeout must be 0–3600 s") }
        if let length, length < 0 || length > 65507 { throw .invalidParameter("length must be 0–65507") }
        if let ttl, ttl < 1 || ttl > 255 { throw .invalidParameter("ttl must be 1–255") }
        if let ipVersion, ipVersion != 4 && ipVersion != 6 { throw .invalidParameter("ip-version must be 4 or 6") }
        return self
    }

    /// pScheduler's rtt spec (schema 1: every field here is in v1).
    public var specJSON: JSONValue {
        var members: [String: JSONValue] = [
            "schema": .integer(1), "dest": .string(dest), "count": .integer(Int64(count)),
            "interval": .string(ISODuration.string(interval)), "timeout": .string(ISODuration.string(timeout)),
        ]
        if let length { members["length"] = .integer(Int64(length)) }
        if let ttl { members["ttl"] = .integer(Int64(ttl)) }
        if let ipVersion { members["ip-version"] = .integer(Int64(ipVersion)) }
        return .object(members)
    }

    /// Reads a spec `specJSON` wrote (or pScheduler's, where it uses these fields).
    public init(specJSON json: JSONValue) throws(JSONFields.Mismatch) {
        let fields = try JSONFields(json, what: "rtt spec")
        func duration(_ key: String, _ fallback: Duration) throws(JSONFields.Mismatch) -> Duration {
            guard let text = try fields.optionalString(key) else { return fallback }
            guard let seconds = ISODuration.seconds(text) else {
                throw JSONFields.Mismatch("rtt spec \(key) is not an ISO 8601 duration")
            }
            return .microseconds(Int64((seconds * 1_000_000).rounded()))
        }
        self.init(
            dest: try fields.string("dest"), count: try fields.optionalInteger("count") ?? Self.defaultCount,
            interval: try duration("interval", Self.defaultInterval), length: try fields.optionalInteger("length"),
            ttl: try fields.optionalInteger("ttl"), ipVersion: try fields.optionalInteger("ip-version"),
            timeout: try duration("timeout", Self.defaultTimeout))
    }
}
