import Foundation

/// What `/proc` says of another process: its children, its state letter, its command line, and a
/// `Field:   1234 kB` line of one of its files (`status`, `smaps_rollup`). Each reads as empty or
/// nil once the process is gone.
///
/// ```swift
/// for child in ProcessTable.children(of: daemon) where ProcessTable.state(of: child) == "Z" { … }
/// let rss = ProcessTable.kib("VmRSS:", of: daemon)   // KiB
/// ```
public enum ProcessTable {
    /// The children of `pid` (every thread's), from `/proc/PID/task/*/children`.
    public static func children(of pid: Int32) -> [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task in
            ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "")
                .split(separator: " ").compactMap { Int32($0) }
        }
    }

    /// The state letter of `pid` (`S`, `R`, `Z`…), nil when it is gone.
    public static func state(of pid: Int32) -> Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        return stat[stat.index(close, offsetBy: 2)]
    }

    /// The command line of `pid`, its arguments joined by spaces.
    public static func commandLine(of pid: Int32) -> String {
        ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "")
            .replacingOccurrences(of: "\0", with: " ")
    }

    /// The `field` line (`VmRSS:`, `VmHWM:`, `Pss:`) of `/proc/PID/<file>`, in KiB.
    public static func kib(_ field: String, of pid: Int32, in file: String = "status") -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/\(file)", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            return Int(line.dropFirst(field.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }
}
