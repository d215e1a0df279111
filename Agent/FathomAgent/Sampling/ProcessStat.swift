/// The fields of `/proc/<pid>/stat` the sampler uses.
///
/// `comm` is the text between the first `(` and the **last** `)`: a command may itself contain
/// spaces and parentheses, so splitting the whole line on spaces would misread every later field.
struct ProcessStat: Equatable {
    var command: String
    var state: Character
    var ppid: Int
    var pgrp: Int
    var utime: UInt64
    var stime: UInt64
    var cutime: UInt64
    var cstime: UInt64
    /// Ticks after boot at which the process started.
    var startTime: UInt64
    /// Kernel `PF_*` flags (field 9); tells kernel threads apart without reading more files.
    var flags: UInt64 = 0

    /// Kernel threads have no user memory: their statm is all zeros.
    var isKernelThread: Bool { flags & 0x0020_0000 != 0 }

    init?(parsing text: String) {
        // Searched as UTF-8 bytes: a Character search walks grapheme clusters, a tenth of a one-shot
        // sample's time. Both parentheses are ASCII, so the indices fall on character boundaries.
        let utf8 = text.utf8
        guard let open = utf8.firstIndex(of: UInt8(ascii: "(")), let close = utf8.lastIndex(of: UInt8(ascii: ")")),
            open < close
        else {
            return nil
        }
        command = String(text[utf8.index(after: open)..<close])
        // Walk the numeric fields after the command byte by byte: this runs for every process
        // on every sample, and splitting into ~50 substrings was the sampler's main cost.
        // Field k here is proc(5)'s 1-based field number minus 3 (pid and comm come first).
        var fields = [Int64](repeating: 0, count: 20)
        var stateByte: UInt8 = 0
        var field = -1
        var inToken = false
        var negative = false
        var value: Int64 = 0
        for b in text.utf8[text.utf8.index(after: close)...] {
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\n") {
                if inToken, field >= 1, field < 20 { fields[field] = negative ? -value : value }
                inToken = false
                continue
            }
            if !inToken {
                inToken = true
                field += 1
                negative = false
                value = 0
                if field == 0 { stateByte = b }
                if field >= 20 { break }
            }
            if b == UInt8(ascii: "-") {
                negative = true
            } else if b >= 48 && b <= 57 {
                value = value &* 10 &+ Int64(b - 48)
            }
        }
        if inToken, field >= 1, field < 20 { fields[field] = negative ? -value : value }
        guard field >= 19, stateByte != 0 else { return nil }
        state = Character(Unicode.Scalar(stateByte))
        ppid = Int(fields[1])
        pgrp = Int(fields[2])
        flags = UInt64(max(0, fields[6]))
        utime = UInt64(max(0, fields[11]))
        stime = UInt64(max(0, fields[12]))
        // cutime/cstime are signed in the kernel (clock_t); clamp the never-seen negatives to 0.
        cutime = UInt64(max(0, fields[13]))
        cstime = UInt64(max(0, fields[14]))
        startTime = UInt64(max(0, fields[19]))
    }
}

/// The memory lines of `/proc/<pid>/status` the sampler uses, read in one pass.
struct ProcessStatusMemory: Equatable {
    var rssAnonKiB: Int?
    var vmDataKiB: Int?
    var vmStackKiB: Int?
    var vmRSSKiB: Int?

    init(parsing text: String) {
        // One pass over the contiguous UTF-8 bytes, no line array or slices: this runs for every
        // process of every sample.
        var text = text
        self = text.withUTF8 { Self(bytes: $0) }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            defer { start = end + 1 }
            guard bytes[start] == UInt8(ascii: "R") || bytes[start] == UInt8(ascii: "V") else { continue }
            var colon = start
            while colon < end && bytes[colon] != UInt8(ascii: ":") { colon += 1 }
            guard colon < end else { continue }
            var value = 0
            var seen = false
            for b in bytes[(colon + 1)..<end] {
                if b >= 48 && b <= 57 {
                    value = value * 10 + Int(b - 48)
                    seen = true
                } else if seen {
                    break
                }
            }
            guard seen else { continue }
            let key = UnsafeBufferPointer(rebasing: bytes[start..<colon])
            if key.elementsEqual("RssAnon".utf8) {
                rssAnonKiB = value
            } else if key.elementsEqual("VmData".utf8) {
                vmDataKiB = value
            } else if key.elementsEqual("VmStk".utf8) {
                vmStackKiB = value
            } else if key.elementsEqual("VmRSS".utf8) {
                vmRSSKiB = value
            }
        }
    }
}

/// Small parsers for the line-oriented /proc files.
enum ProcText {
    /// The number after `key` in a `Key:   value kB` file (meminfo, status); nil if absent.
    static func kibValue(_ key: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let rest = line.dropFirst(key.count)
            guard rest.first == ":" else { continue }
            // status pads with tabs, meminfo with spaces.
            return rest.dropFirst().split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
        }
        return nil
    }

    /// The `btime` line of /proc/stat: boot time in epoch seconds.
    static func bootTime(stat text: String) -> Int64? {
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Int64(line.dropFirst(6).trimmingSpaces())
        }
        return nil
    }

    /// Busy ticks (user+nice+system+irq+softirq) of each `cpuN` line of /proc/stat, by N.
    static func perCPUBusyTicks(stat text: String) -> [UInt64] {
        var byIndex: [(Int, UInt64)] = []
        for line in text.split(separator: "\n") where line.hasPrefix("cpu") {
            let fields = line.split(separator: " ")
            guard fields.count >= 8, let index = Int(fields[0].dropFirst(3)) else { continue }
            let ticks = [1, 2, 3, 6, 7].reduce(UInt64(0)) { $0 + (UInt64(fields[$1]) ?? 0) }
            byIndex.append((index, ticks))
        }
        return byIndex.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" { s = s.dropLast() }
        return s
    }
}
