import FathomShared

/// Reads the fields the index folds from free-CSV lines: one pass over each line with the
/// project's free-CSV splitter, each value read from the line's bytes as the splitter reaches it
/// (numbers parsed from the bytes, no string per field), and the host, time, user and job strings
/// of the previous line reused when the next line repeats them (a sample's lines share host and
/// time, and mostly user and job), so a line usually allocates nothing.
///
/// ```swift
/// var reader = SampleLineReader()
/// if let record = reader.read(Array(line.utf8)[...]) { print(record.host, record.usage.cpuPercent) }
/// ```
struct SampleLineReader {
    private var host = RepeatedText()
    private var user = RepeatedText()
    private var job = RepeatedText()
    private var time: (bytes: [UInt8], epochSeconds: Int64?) = ([], nil)

    private static let heartbeat = Array("_heartbeat_".utf8)

    /// Nil for a line that is not free CSV or lacks a host or a readable time (the ingest
    /// validator refuses those, so they only appear in trees written by something else).
    mutating func read(_ line: ArraySlice<UInt8>) -> SampleRecordFields? {
        var fields = Fields()
        do throws(FreeCSVError) {
            try FreeCSVScanner.walk(line) { name, value in take(name, value, into: &fields) }
        } catch {
            return nil
        }
        guard let hostName = fields.host, !hostName.isEmpty, let epochSeconds = fields.epochSeconds ?? nil else {
            return nil
        }
        guard !fields.isHeartbeat else {
            return SampleRecordFields(
                host: hostName, epochSeconds: epochSeconds, user: fields.user ?? "", job: nil, usage: UsageSums(),
                isHeartbeat: true)
        }
        var usage = fields.usage
        usage.processes = 1
        return SampleRecordFields(
            host: hostName, epochSeconds: epochSeconds, user: fields.user ?? "", job: fields.job, usage: usage,
            isHeartbeat: false)
    }

    /// What one line gave so far; each field counts at its first occurrence only.
    private struct Fields {
        var host: String?
        /// Nil before `time`; `.some(nil)` for a time that does not parse.
        var epochSeconds: Int64??
        var user: String?
        var job: String?
        var seenJob = false
        var seenCommand = false
        var isHeartbeat = false
        var usage = UsageSums()
        /// Which of the six usage fields were read (bits in `usageNames` order).
        var seenUsage = 0
    }

    private static let usageNames: [[UInt8]] = ["cpu%", "cpukib", "rssanonkib", "gpu%", "gpumem%", "gpukib"].map {
        Array($0.utf8)
    }

    private mutating func take(
        _ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>, into f: inout Fields
    ) {
        // Names are told apart by length and first byte, so most fields cost a compare or two.
        switch (name.count, name.first ?? 0) {
        case (4, UInt8(ascii: "h")) where f.host == nil && Self.equal(name, "host"):
            f.host = host.string(value)
        case (4, UInt8(ascii: "t")) where f.epochSeconds == nil && Self.equal(name, "time"):
            if !(value.count == time.bytes.count && value.elementsEqual(time.bytes)) {
                time = (Array(value), SonarTimestamp.parse(String(decoding: value, as: UTF8.self)[...])?.epochSeconds)
            }
            f.epochSeconds = .some(time.epochSeconds)
        case (4, UInt8(ascii: "u")) where f.user == nil && Self.equal(name, "user"):
            f.user = user.string(value)
        case (3, UInt8(ascii: "j")) where !f.seenJob && Self.equal(name, "job"):
            f.seenJob = true
            // No job: absent, empty or `0` (sonar's value for processes outside any job).
            if !value.isEmpty && !(value.count == 1 && value[0] == UInt8(ascii: "0")) { f.job = job.string(value) }
        case (3, UInt8(ascii: "c")) where !f.seenCommand && Self.equal(name, "cmd"):
            f.seenCommand = true
            f.isHeartbeat = value.elementsEqual(Self.heartbeat)
        case (4, _), (6, _), (7, _), (10, _):
            for (k, usageName) in Self.usageNames.enumerated()
            where f.seenUsage & (1 << k) == 0 && name.elementsEqual(usageName) {
                f.seenUsage |= 1 << k
                switch k {
                case 0: f.usage.cpuPercent = ASCIINumber.double(value)
                case 1: f.usage.cpuKiB = ASCIINumber.integer(value)
                case 2: f.usage.rssAnonKiB = ASCIINumber.integer(value)
                case 3: f.usage.gpuPercent = ASCIINumber.double(value)
                case 4: f.usage.gpuMemPercent = ASCIINumber.double(value)
                default: f.usage.gpuKiB = ASCIINumber.integer(value)
                }
                return
            }
        default:
            break
        }
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        bytes.count == name.utf8CodeUnitCount
            && name.withUTF8Buffer { literal in bytes.elementsEqual(literal) }
    }

    /// The string of the last bytes read for one field, kept while the next lines repeat them.
    private struct RepeatedText {
        private var bytes: [UInt8] = []
        private var text = ""

        mutating func string(_ value: UnsafeBufferPointer<UInt8>) -> String {
            if value.count == bytes.count && value.elementsEqual(bytes) { return text }
            bytes = Array(value)
            text = String(decoding: value, as: UTF8.self)
            return text
        }
    }
}
