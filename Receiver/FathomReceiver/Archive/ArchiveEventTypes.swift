/// How an event type's values are stored and which summaries it may have (esmond `types.py`).
public enum ArchiveValueKind: String, Sendable, CaseIterable {
    case integer, float, percentage, histogram, subinterval, json

    /// Summary types esmond allows for this kind (`ALLOWED_SUMMARIES`).
    public var allowedSummaries: Set<ArchiveSummaryType> {
        switch self {
        case .integer, .float: return [.aggregation, .average]
        case .percentage: return [.aggregation]
        case .histogram: return [.aggregation, .statistics]
        case .subinterval, .json: return []
        }
    }

    /// Numeric points refuse a second value at the same time (409); the others are overwritten.
    public var rejectsDuplicates: Bool { self == .integer || self == .float || self == .percentage }
}

/// A summary type: the JSON name (`aggregation`) appears in objects, the plural (`aggregations`) in URLs.
public enum ArchiveSummaryType: String, Sendable, CaseIterable, Comparable {
    case aggregation, average, base, statistics

    public init?(urlName: String) {
        switch urlName {
        case "base": self = .base
        case "aggregations": self = .aggregation
        case "averages": self = .average
        case "statistics": self = .statistics
        default: return nil
        }
    }

    public var urlName: String {
        switch self {
        case .base: return "base"
        case .aggregation: return "aggregations"
        case .average: return "averages"
        case .statistics: return "statistics"
        }
    }

    /// esmond processes rows `ORDER BY summary_type`, so statistics see the aggregation of the same write.
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The 49 event types esmond knows (`EVENT_TYPE_CONFIG`), with their value kinds.
///
/// ```swift
/// ArchiveEventTypes.kind(of: "throughput")   // .integer
/// ArchiveEventTypes.kind(of: "histogram-delay")  // nil: not in esmond's config
/// ```
public enum ArchiveEventTypes {
    public static let all: [String: ArchiveValueKind] = {
        var table: [String: ArchiveValueKind] = [:]
        for name in integer { table[name] = .integer }
        for name in float { table[name] = .float }
        for name in percentage { table[name] = .percentage }
        for name in histogram { table[name] = .histogram }
        for name in subinterval { table[name] = .subinterval }
        for name in json { table[name] = .json }
        return table
    }()

    public static func kind(of eventType: String) -> ArchiveValueKind? { all[eventType] }

    static let integer = [
        "throughput", "packet-count-lost", "packet-count-lost-bidir", "packet-count-sent", "packet-duplicates",
        "packet-duplicates-bidir", "packet-reorders", "packet-reorders-bidir", "packet-retransmits", "packet-rtt",
        "path-mtu", "tcp-windowsize", "ntp-stratum", "ntp-reach",
    ]
    static let float = [
        "time-error-estimates", "ntp-offset", "ntp-jitter", "ntp-wander", "ntp-polling-interval", "ntp-delay",
        "ntp-dispersion",
    ]
    static let percentage = ["packet-loss-rate", "packet-loss-rate-bidir"]
    static let histogram = ["histogram-owdelay", "histogram-rtt", "histogram-ttl", "histogram-ttl-reverse"]
    static let subinterval = [
        "throughput-subintervals", "packet-retransmits-subintervals", "packet-rtt-subintervals",
        "tcp-windowsize-subintervals",
    ]
    // streams-* are json in esmond's config, not subinterval, whatever their names suggest.
    static let json = [
        "failures", "packet-trace", "packet-trace-multi", "pscheduler-raw", "pscheduler-run-href", "iostat", "mpstat",
        "rusage", "tcpinfo", "streams-tcpinfo", "streams-throughput", "streams-throughput-subintervals",
        "streams-packet-retransmits", "streams-packet-retransmits-subintervals", "streams-packet-rtt",
        "streams-packet-rtt-subintervals", "streams-tcp-windowsize", "streams-tcp-windowsize-subintervals",
    ]
}
