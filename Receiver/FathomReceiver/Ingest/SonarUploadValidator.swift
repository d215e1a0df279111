import FathomShared

/// An upload refused as a whole, with the reason the client is told (HTTP 400).
public struct UploadRejection: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

/// Checks a whole sonar upload before anything is written, and says which file each line goes to.
///
/// Files are `<cluster>/<YYYY>/<MM>/<DD>/<host>.csv` by the **UTC** date of each record's `time`
/// (what sonalyze's daemon does and what sonalyze's readers expect), sysinfo objects go to
/// `sysinfo-<host>.json` in the same day folder (see `DayFilePath`). Lines are stored verbatim
/// plus `\n`; a sysinfo object is stored on one line.
///
/// ```swift
/// let appends = try SonarUploadValidator(maxLineBytes: 1 << 20).freeCSV(body, cluster: cluster)
/// ```
public struct SonarUploadValidator: Sendable {
    /// Longer lines are refused with a clear message, never cut (Go's bufio.Scanner limit in the
    /// reference servers silently stops at 64 KiB).
    public var maxLineBytes: Int

    public init(maxLineBytes: Int = 1 << 20) { self.maxLineBytes = maxLineBytes }

    private static let hostAndTime = FreeCSVScanner(names: ["host", "time"])

    /// Every non-empty line must be free CSV with a valid `host` and an RFC 3339 `time`.
    public func freeCSV(_ body: [UInt8], cluster: StorageName) throws(UploadRejection) -> [FileAppend] {
        // Files in first-seen order, each with its bytes; the index map is consulted only when a
        // line's file differs from the previous line's (a sample's lines share one file).
        var appends: [FileAppend] = []
        var indexOfPath: [String: Int] = [:]
        var lineNumber = 0
        var start = body.startIndex
        var records = 0
        var lastFile: (host: String, time: String, index: Int)?
        while start < body.endIndex {
            let end = body[start...].firstIndex(of: UInt8(ascii: "\n")) ?? body.endIndex
            lineNumber += 1
            var line = body[start..<end]
            start = end == body.endIndex ? end : end + 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
            if line.count > maxLineBytes {
                throw UploadRejection(
                    "Bad content: line \(lineNumber) is \(line.count) bytes, over the limit of \(maxLineBytes)")
            }
            if let problem = Self.forbiddenBytes(in: line) {
                throw UploadRejection("Bad content: line \(lineNumber): \(problem)")
            }
            let host: String?
            let time: String?
            do {
                let values = try Self.hostAndTime.scan(line)
                host = values[0]
                time = values[1]
            } catch {
                throw UploadRejection("Bad content: line \(lineNumber): \(error)")
            }
            guard let host, !host.isEmpty else {
                throw UploadRejection("Bad content: line \(lineNumber): missing host")
            }
            guard let time, !time.isEmpty else {
                throw UploadRejection("Bad content: line \(lineNumber): missing time")
            }
            let fileIndex: Int
            if let last = lastFile, last.host == host, last.time == time {
                // A sample's lines share host and time: check and place them once.
                fileIndex = last.index
            } else {
                let path: String
                guard let hostName = StorageName(host) else {
                    throw UploadRejection("Bad content: line \(lineNumber): host name not allowed: \(host.prefix(64))")
                }
                guard let instant = SonarTimestamp.parse(time[...]) else {
                    throw UploadRejection("Bad content: line \(lineNumber): time is not RFC 3339: \(time.prefix(64))")
                }
                do {
                    path = try DayFilePath.make(
                        cluster: cluster, epochSeconds: instant.epochSeconds, host: hostName, suffix: ".csv")
                } catch {
                    throw UploadRejection("Bad content: line \(lineNumber): \(error)")
                }
                if let known = indexOfPath[path] {
                    fileIndex = known
                } else {
                    fileIndex = appends.count
                    indexOfPath[path] = fileIndex
                    var bytes: [UInt8] = []
                    // Most uploads are one host's one day: the first file usually takes the whole body.
                    if appends.isEmpty { bytes.reserveCapacity(body.count + 1) }
                    appends.append(FileAppend(relativePath: path, bytes: bytes))
                }
                lastFile = (host, time, fileIndex)
            }
            appends[fileIndex].bytes.append(contentsOf: line)
            appends[fileIndex].bytes.append(UInt8(ascii: "\n"))
            records += 1
        }
        guard records > 0 else { throw UploadRejection("Bad content: no records") }
        return appends
    }

    /// The bytes a stored line must not contain, checked before the line is parsed: NUL (cuts C
    /// readers short), a carriage return other than a CRLF ending (splits the line for some
    /// readers and not others) and anything that is not UTF-8. Nil when the line is clean.
    static func forbiddenBytes(in line: ArraySlice<UInt8>) -> String? {
        var nonASCII = false
        for (offset, byte) in line.enumerated() {
            if byte == 0 { return "NUL byte at column \(offset + 1)" }
            if byte == UInt8(ascii: "\r") { return "carriage return inside the line at column \(offset + 1)" }
            if byte >= 0x80 { nonASCII = true }
        }
        if nonASCII, let offset = UTF8Check.firstInvalidOffset(line) {
            return "invalid UTF-8 at column \(offset + 1)"
        }
        return nil
    }

    /// One sysinfo JSON object with string `timestamp` and `hostname`, stored on one line.
    ///
    /// The object is checked with the project's strict parser (duplicate keys, `1e309`, invalid
    /// UTF-8 and deep nesting refused) and stored with the whitespace between tokens removed, so
    /// the day file stays one object per line and a torn object is a torn last line.
    public func sysinfo(_ body: [UInt8], cluster: StorageName) throws(UploadRejection) -> [FileAppend] {
        let document: JSONValue
        do {
            document = try JSONText.parse(body)
        } catch {
            throw UploadRejection("Bad content: sysinfo is not valid JSON: \(error)")
        }
        guard case .object = document else { throw UploadRejection("Bad content: sysinfo is not a JSON object") }
        guard case .string(let ts)? = document["timestamp"], !ts.isEmpty else {
            throw UploadRejection("Bad content: missing timestamp")
        }
        guard case .string(let host)? = document["hostname"], !host.isEmpty else {
            throw UploadRejection("Bad content: missing hostname")
        }
        guard let hostName = StorageName(host) else {
            throw UploadRejection("Bad content: host name not allowed: \(host.prefix(64))")
        }
        guard let instant = SonarTimestamp.parse(ts[...]) else {
            throw UploadRejection("Bad content: timestamp is not RFC 3339: \(ts.prefix(64))")
        }
        let path: String
        do {
            path = try DayFilePath.make(
                cluster: cluster, epochSeconds: instant.epochSeconds, prefix: "sysinfo-", host: hostName,
                suffix: ".json")
        } catch {
            throw UploadRejection("Bad content: \(error)")
        }
        var bytes = JSONText.compacted(body)
        guard bytes.count <= maxLineBytes else {
            throw UploadRejection("Bad content: sysinfo is \(bytes.count) bytes, over the limit of \(maxLineBytes)")
        }
        bytes.append(UInt8(ascii: "\n"))
        return [FileAppend(relativePath: path, bytes: bytes)]
    }
}
