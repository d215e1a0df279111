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
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close else {
            return nil
        }
        command = String(text[text.index(after: open)..<close])
        let rest = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // Indices below are proc(5)'s 1-based field numbers minus 3 (pid and comm come first).
        guard rest.count >= 20, let state = rest[0].first,
            let ppid = Int(rest[1]), let pgrp = Int(rest[2]),
            let utime = UInt64(rest[11]), let stime = UInt64(rest[12]),
            let startTime = UInt64(rest[19])
        else { return nil }
        self.state = state
        self.ppid = ppid
        self.pgrp = pgrp
        self.utime = utime
        self.stime = stime
        // cutime/cstime are signed in the kernel (clock_t); clamp the never-seen negatives to 0.
        self.cutime = UInt64(max(0, Int64(rest[13]) ?? 0))
        self.cstime = UInt64(max(0, Int64(rest[14]) ?? 0))
        self.startTime = startTime
        self.flags = UInt64(rest[6]) ?? 0
    }
}

/// The memory lines of `/proc/<pid>/status` the sampler uses, read in one pass.
struct ProcessStatusMemory: Equatable {
    var rssAnonKiB: Int?
    var vmDataKiB: Int?
    var vmStackKiB: Int?
    var vmRSSKiB: Int?

    init(parsing text: String) {
        for line in text.utf8.split(separator: UInt8(ascii: "\n")) where line.first == UInt8(ascii: "R") || line.first == UInt8(ascii: "V") {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let key = line[..<colon]
            var value = 0
            var seen = false
            for b in line[line.index(after: colon)...] {
                if b >= 48 && b <= 57 {
                    value = value * 10 + Int(b - 48)
                    seen = true
                } else if seen {
                    break
                }
            }
            guard seen else { continue }
            if key.elementsEqual("RssAnon".utf8) { rssAnonKiB = value }
            else if key.elementsEqual("VmData".utf8) { vmDataKiB = value }
            else if key.elementsEqual("VmStk".utf8) { vmStackKiB = value }
            else if key.elementsEqual("VmRSS".utf8) { vmRSSKiB = value }
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
