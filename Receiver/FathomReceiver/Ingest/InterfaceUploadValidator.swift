import FathomShared

/// Checks a whole `POST /interfaces` body before anything is stored: every non-empty line one
/// ``InterfaceRecord`` with a host name the receiver stores (``StorageName``), a time within
/// 1970…9999, and no interface twice in one host's sample. The first bad line refuses the upload
/// (400, the line named), so an upload is stored whole or not at all.
///
/// ```swift
/// let upload = try InterfaceUploadValidator(maxLineBytes: 1 << 20).validate(body, cluster: cluster, batchID: id)
/// ```
public struct InterfaceUploadValidator: Sendable {
    public var maxLineBytes: Int

    public init(maxLineBytes: Int = 1 << 20) { self.maxLineBytes = maxLineBytes }

    /// The first second of the year 10000: esmond's dates, like the day files, end before it.
    static let endOfTime: Int64 = 253_402_300_800

    public func validate(_ body: [UInt8], cluster: StorageName, batchID: String?) throws(UploadRejection)
        -> InterfaceUpload
    {
        var records: [InterfaceRecord] = []
        var seen: Set<String> = []
        var lineNumber = 0
        var start = body.startIndex
        while start < body.endIndex {
            let end = body[start...].firstIndex(of: UInt8(ascii: "\n")) ?? body.endIndex
            lineNumber += 1
            var line = body[start..<end]
            start = end == body.endIndex ? end : end + 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
            guard line.count <= maxLineBytes else {
                throw UploadRejection(
                    "Bad content: line \(lineNumber) is \(line.count) bytes, over the limit of \(maxLineBytes)")
            }
            if let problem = SonarUploadValidator.forbiddenBytes(in: line) {
                throw UploadRejection("Bad content: line \(lineNumber): \(problem)")
            }
            let record: InterfaceRecord
            do { record = try InterfaceRecord(line: Substring(decoding: line, as: UTF8.self)) } catch {
                throw UploadRejection("Bad content: line \(lineNumber): \(error)")
            }
            guard StorageName(record.host) != nil else {
                throw UploadRejection("Bad content: line \(lineNumber): bad host name")
            }
            guard record.time < Self.endOfTime else {
                throw UploadRejection("Bad content: line \(lineNumber): time past the year 9999")
            }
            guard seen.insert("\(record.host)\u{0}\(record.name)\u{0}\(record.time)").inserted else {
                throw UploadRejection(
                    "Bad content: line \(lineNumber): interface \(record.name) of \(record.host) twice at one time")
            }
            records.append(record)
        }
        guard !records.isEmpty else { throw UploadRejection("Bad content: no records") }
        return InterfaceUpload(cluster: cluster.value, batchID: batchID, records: records)
    }
}
