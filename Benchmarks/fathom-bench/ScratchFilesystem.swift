import Foundation

/// The filesystem under a bench's scratch directory, printed with every fsync figure; a tmpfs or
/// ramfs is refused, since `fdatasync` returns at once there and the figures would mean nothing.
/// Point `TMPDIR` at a folder on a real disk to run there.
///
/// The type is the kernel's own name for the mount holding the path (`/proc/self/mountinfo`,
/// the mount point that is the longest prefix of the resolved path): what `statfs`'s `f_type`
/// says, without needing `sys/vfs.h`, which Swift's Glibc module does not export.
///
/// ```swift
/// let filesystem = try ScratchFilesystem.check(scratch.path)   // "ext4 on /dev/sda1 at /"
/// print("scratch on \(filesystem)")
/// ```
enum ScratchFilesystem {
    static let memoryBacked: Set<String> = ["tmpfs", "ramfs"]

    /// One mount: where, what type, from which source.
    struct Mount: Equatable {
        var point: String
        var type: String
        var source: String
    }

    /// The mount holding `path` (resolved), from `mountinfo` text (fields: id parent dev root
    /// point options [optional…] - type source super-options; octal escapes in the point).
    static func mount(of path: String, mountinfo: String) -> Mount? {
        var best: Mount?
        for line in mountinfo.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { continue }
            let left = halves[0].split(separator: " ")
            let right = halves[1].split(separator: " ")
            guard left.count >= 5, right.count >= 2 else { continue }
            let point = unescape(String(left[4]))
            let under = point == "/" || path == point || path.hasPrefix(point + "/")
            if under, point.count >= (best?.point.count ?? -1) {
                best = Mount(point: point, type: String(right[0]), source: String(right[1]))
            }
        }
        return best
    }

    /// mountinfo writes space, tab, newline and backslash as `\040`-style octal escapes.
    static func unescape(_ text: String) -> String {
        var out = ""
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            if chars[i] == "\\", i + 3 < chars.count, let code = UInt8(String(chars[(i + 1)...(i + 3)]), radix: 8) {
                out.append(Character(UnicodeScalar(code)))
                i += 4
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        return out
    }

    /// The filesystem's description, or a thrown refusal on tmpfs/ramfs.
    static func check(_ path: String) throws -> String {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let text = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        guard let mount = mount(of: resolved, mountinfo: text) else {
            throw Subprocess.Failure(description: "no mount found for \(resolved) in /proc/self/mountinfo")
        }
        let description = "\(mount.type) on \(mount.source) at \(mount.point)"
        guard !memoryBacked.contains(mount.type) else {
            throw Subprocess.Failure(
                description:
                    "scratch \(resolved) is on \(description): fdatasync costs nothing there, so fsync figures "
                    + "would mislead; set TMPDIR to a folder on a real disk")
        }
        return description
    }
}
