import FathomShared

/// What one group commit is about to append, written and synced to the commit journal before any
/// data file is touched: for every file the offset the group starts at, how many bytes it adds
/// and their CRC-32, plus the batch ids the group will acknowledge.
///
/// After a crash this is enough to decide the group's fate: if every segment is on disk whole
/// (length and checksum), the group is kept and its ids are made sure of in the ledger; otherwise
/// every file is cut back to its offset and the ids are forgotten, so a retry stores it once.
///
/// ```swift
/// let intent = CommitIntent(sequence: 7, segments: [.init(path: "fox/2026/11/25/c1.csv", offset: 120, bytes: line)], batchIDs: ["fox/b1"])
/// let again = CommitIntent(decoding: intent.encoded())   // == intent; nil when torn or corrupt
/// ```
struct CommitIntent: Equatable, Sendable {
    /// The bytes one file gains.
    struct Segment: Equatable, Sendable {
        var path: String
        var offset: Int64
        var length: Int64
        var checksum: UInt32

        init(path: String, offset: Int64, length: Int64, checksum: UInt32) {
            self.path = path
            self.offset = offset
            self.length = length
            self.checksum = checksum
        }

        init(path: String, offset: Int64, bytes: [UInt8]) {
            self.init(path: path, offset: offset, length: Int64(bytes.count), checksum: CRC32.checksum(bytes))
        }
    }

    var sequence: UInt64
    var segments: [Segment]
    var batchIDs: [String]

    private static let magic = "fathom-commit-1"

    /// `fathom-commit-1 <body bytes> <crc32 of body>\n` then one line per fact. Paths and ids are
    /// storage names and batch ids: no spaces or newlines can occur in them.
    func encoded() -> [UInt8] {
        var body = "seq \(sequence)\n"
        for s in segments { body += "seg \(s.offset) \(s.length) \(s.checksum) \(s.path)\n" }
        for id in batchIDs { body += "id \(id)\n" }
        let bytes = Array(body.utf8)
        return Array("\(Self.magic) \(bytes.count) \(CRC32.checksum(bytes))\n".utf8) + bytes
    }

    /// Nil for anything but a whole, intact record (a torn write of the journal included).
    init?(decoding data: [UInt8]) {
        guard let newline = data.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let header = String(decoding: data[..<newline], as: UTF8.self).split(separator: " ")
        guard header.count == 3, header[0] == Self.magic, let length = Int(header[1]), let crc = UInt32(header[2]),
            data.count - newline - 1 >= length
        else { return nil }
        let body = Array(data[(newline + 1)..<(newline + 1 + length)])
        guard CRC32.checksum(body) == crc else { return nil }
        var sequence: UInt64?
        var segments: [Segment] = []
        var ids: [String] = []
        for line in String(decoding: body, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            switch fields.first {
            case "seq" where fields.count == 2:
                sequence = UInt64(fields[1])
            case "seg" where fields.count == 5:
                guard let offset = Int64(fields[1]), let length = Int64(fields[2]), let sum = UInt32(fields[3]) else {
                    return nil
                }
                segments.append(Segment(path: String(fields[4]), offset: offset, length: length, checksum: sum))
            case "id" where fields.count == 2:
                ids.append(String(fields[1]))
            default:
                return nil
            }
        }
        guard let sequence else { return nil }
        self.init(sequence: sequence, segments: segments, batchIDs: ids)
    }

    init(sequence: UInt64, segments: [Segment], batchIDs: [String]) {
        self.sequence = sequence
        self.segments = segments
        self.batchIDs = batchIDs
    }
}
