import FathomShared

/// esmond's `build_time_filters` for devices and interfaces, whose rows live from `begin` to `end`
/// (`end` = ``DeviceTimeWindow/endOfTime`` while still active):
///
/// | query | a row is returned when |
/// |---|---|
/// | neither | `begin <= now <= end` (active now) |
/// | `begin=B` | `end >= B` and `begin <= now` |
/// | `end=E` | `begin <= E` and `end >= now` |
/// | both | `end >= B` and `begin <= E` (overlap, inclusive) |
///
/// ```swift
/// let window = try DeviceTimeWindow(beginText: query["begin"], endText: query["end"], now: now)
/// window.admits(begin: row.begin, end: row.end)
/// ```
public struct DeviceTimeWindow: Sendable, Equatable {
    /// esmond's `max_datetime` as epoch seconds (9999-12-29T23:59:59Z): the end of an active row.
    public static let endOfTime: Int64 = 253_402_127_999

    public var begin: Int64?
    public var end: Int64?
    public var now: Int64

    public init(begin: Int64?, end: Int64?, now: Int64) {
        self.begin = begin
        self.end = end
        self.now = now
    }

    /// From the query's text; a value `float()` cannot read is an error naming it.
    public init(beginText begin: String?, endText end: String?, now: Int64) throws(DeviceAPIError) {
        self.init(begin: try Self.seconds(begin, "begin"), end: try Self.seconds(end, "end"), now: now)
    }

    public func admits(begin rowBegin: Int64, end rowEnd: Int64) -> Bool {
        switch (begin, end) {
        case (nil, nil): rowBegin <= now && now <= rowEnd
        case (let b?, nil): rowEnd >= b && rowBegin <= now
        case (nil, let e?): rowBegin <= e && rowEnd >= now
        case (let b?, let e?): rowEnd >= b && rowBegin <= e
        }
    }

    /// Epoch seconds as Python's `int(float(x))` reads them.
    static func seconds(_ text: String?, _ name: String) throws(DeviceAPIError) -> Int64? {
        guard let text else { return nil }
        guard let value = Double(text.trimmingWhitespace()), value.isFinite, abs(value) < 1e15 else {
            throw DeviceAPIError.queryError("\(name) must be a number of seconds: \(text)")
        }
        return Int64(value)
    }
}
