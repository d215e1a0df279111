/// Where the receiver stores one record: `<cluster>/<YYYY>/<MM>/<DD>/<prefix><host><suffix>`, by
/// the record's UTC date, built only when every component is a legal file name.
///
/// A name that passes ``StorageName`` (≤ 253 bytes) can still make `<host>.csv` longer than
/// `NAME_MAX`, which the file system answers with `ENAMETOOLONG` at write time (a 503 the agent
/// retries forever); a time before 1970 or after 9999 would make a folder that is not four digits.
/// Both are the client's fault and are refused up front.
///
/// ```swift
/// let path = try DayFilePath.make(cluster: fox, epochSeconds: t, host: host, suffix: ".csv")
/// // "fox/2026/11/25/c1.csv"
/// ```
public enum DayFilePath {
    /// Linux's `NAME_MAX`: the longest single path component, in bytes.
    public static let maxComponentBytes = 255
    /// 1970-01-01T00:00:00Z, the first storable instant.
    public static let earliestEpochSeconds: Int64 = 0
    /// 9999-12-31T23:59:59Z, the last instant with a four-digit UTC year.
    public static let latestEpochSeconds: Int64 = 253_402_300_799

    /// Why a record has no place in the data directory; the description is the client's reason.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case timeOutOfRange
        case nameTooLong(component: String, bytes: Int)

        public var description: String {
            switch self {
            case .timeOutOfRange:
                return "time is outside 1970-01-01T00:00:00Z...9999-12-31T23:59:59Z"
            case .nameTooLong(let component, let bytes):
                return "file name \(component.prefix(64))... would be \(bytes) bytes, over the limit of "
                    + "\(DayFilePath.maxComponentBytes)"
            }
        }
    }

    /// The relative path of the file holding `host`'s records of the UTC day of `epochSeconds`.
    public static func make(
        cluster: StorageName, epochSeconds: Int64, prefix: String = "", host: StorageName, suffix: String
    ) throws(Refusal) -> String {
        try checkComponent(cluster.value)
        let file = prefix + host.value + suffix
        try checkComponent(file)
        return try dayFolder(cluster: cluster, epochSeconds: epochSeconds) + "/" + file
    }

    /// `<cluster>/<YYYY>/<MM>/<DD>` with a four-digit year, zero-padded month and day.
    public static func dayFolder(cluster: StorageName, epochSeconds: Int64) throws(Refusal) -> String {
        guard epochSeconds >= earliestEpochSeconds, epochSeconds <= latestEpochSeconds else {
            throw .timeOutOfRange
        }
        let d = SonarTimestamp.utcDate(epochSeconds: epochSeconds)
        return cluster.value + "/" + padded(d.year, 4) + "/" + padded(d.month, 2) + "/" + padded(d.day, 2)
    }

    /// Refuses a component the file system would answer with `ENAMETOOLONG`.
    public static func checkComponent(_ name: String) throws(Refusal) {
        let bytes = name.utf8.count
        guard bytes <= maxComponentBytes else { throw .nameTooLong(component: name, bytes: bytes) }
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
