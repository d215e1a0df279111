import FathomShared

/// An inclusive time window in unix seconds; `nil` ends are open.
public struct ArchiveTimeRange: Sendable, Equatable {
    public var begin: Int64?
    public var end: Int64?

    public init(begin: Int64? = nil, end: Int64? = nil) {
        self.begin = begin
        self.end = end
    }

    public static let unbounded = ArchiveTimeRange()

    public func contains(_ t: Int64) -> Bool { (begin.map { t >= $0 } ?? true) && (end.map { t <= $0 } ?? true) }
}

/// The metadata list filters (esmond `ArchiveViewset.get_queryset`), all combined with AND.
///
/// `eventType`, `summaryType`, `summaryWindow` and `timeUpdated` must all hold for one and the
/// same event-type row, as in esmond's single `filter()` call.
public struct ArchiveMetadataFilter: Sendable, Equatable {
    /// Subject fields by JSON name, matched exactly (IP fields against the set of addresses given).
    public var subject: [String: Set<String>] = [:]
    /// Raw strings: an unknown value simply matches nothing, as in esmond.
    public var subjectType: String?
    public var metadataKey: String?
    public var eventType: String?
    /// The JSON name (`aggregation`, `base`, …).
    public var summaryType: String?
    public var summaryWindow: Int64?
    /// Applies to the row's `time-updated`; `nil` means no restriction, even for never-written metadata.
    public var timeUpdated: ArchiveTimeRange?
    /// Free parameters, exact string match on the stored value.
    public var parameters: [String: String] = [:]
    public var limit: Int = 1500
    public var offset: Int = 0

    public init() {}
}

/// Which series of a metadata to read, and the part of it.
public struct ArchiveSeriesQuery: Sendable, Equatable {
    public var key: String
    public var eventType: String
    public var summary: ArchiveSummary
    public var time: ArchiveTimeRange
    public var limit: Int
    public var offset: Int
    /// The store stops after the point that brings the stored text past this many bytes (always
    /// returning at least one point), so a reader pages through large values in bounded memory.
    public var maxBytes: Int

    public init(
        key: String, eventType: String, summary: ArchiveSummary, time: ArchiveTimeRange, limit: Int = 1500,
        offset: Int = 0, maxBytes: Int = .max
    ) {
        self.key = key
        self.eventType = eventType
        self.summary = summary
        self.time = time
        self.limit = limit
        self.offset = offset
        self.maxBytes = maxBytes
    }
}

/// One stored point of a series; `value` is the stored form (see ``ArchiveValueValidator``).
public struct ArchivePoint: Sendable, Equatable {
    public var ts: Int64
    public var value: JSONValue

    public init(ts: Int64, value: JSONValue) {
        self.ts = ts
        self.value = value
    }
}

/// What happened to one posted point.
public enum ArchiveWriteOutcome: Sendable, Equatable {
    case stored
    /// The metadata is unknown or did not register this event type: esmond answers 201 and drops it.
    case dropped
}

/// A numeric point already exists at this time (esmond's 409).
public struct ArchiveDuplicatePoint: Error, Sendable, Equatable {
    public var eventType: String
    public var ts: Int64
    public var message: String { "Time series value already exists with event type \(eventType) at time \(ts)" }
}

/// A validated point on its way into the store.
public struct ArchiveNewPoint: Sendable, Equatable {
    public var ts: Int64
    public var eventType: String
    /// Already normalised by ``ArchiveValueValidator``.
    public var value: JSONValue

    public init(ts: Int64, eventType: String, value: JSONValue) {
        self.ts = ts
        self.eventType = eventType
        self.value = value
    }
}
