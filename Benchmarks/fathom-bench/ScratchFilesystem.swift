#if canImport(Glibc)
    import Glibc
#endif

/// The filesystem under a bench's scratch directory, read with `statfs(2)`: printed with every
/// fsync figure, and a tmpfs or ramfs refused, where `fdatasync` returns at once and the figures
/// would mean nothing. Point `TMPDIR` at a folder on a real disk to run there.
///
/// ```swift
/// let filesystem = try ScratchFilesystem.check(scratch.path)   // "ext2/ext3/ext4 (0xef53)"
/// print("scratch on \(filesystem)")
/// ```
enum ScratchFilesystem {
    static let tmpfsMagic: UInt = 0x0102_1994
    static let ramfsMagic: UInt = 0x8584_58f6
    private static let names: [UInt: String] = [
        0xef53: "ext2/ext3/ext4", 0x5846_5342: "xfs", 0x9123_683e: "btrfs", 0x794c_7630: "overlayfs",
        0x2fc1_2fc1: "zfs", 0x6969: "nfs", 0xf2f5_2010: "f2fs", tmpfsMagic: "tmpfs", ramfsMagic: "ramfs",
    ]

    /// The `statfs` type of the filesystem holding `path`.
    static func type(of path: String) throws -> UInt {
        var info = statfs()
        guard statfs(path, &info) == 0 else {
            throw Subprocess.Failure(description: "statfs \(path): \(String(cString: strerror(errno)))")
        }
        return UInt(bitPattern: Int(info.f_type))
    }

    /// A readable name with the magic number, e.g. "xfs (0x58465342)".
    static func describe(_ type: UInt) -> String {
        "\(names[type] ?? "unknown") (0x\(String(type, radix: 16)))"
    }

    /// The filesystem's description, or a thrown refusal on tmpfs/ramfs.
    static func check(_ path: String) throws -> String {
        let type = try type(of: path)
        guard type != tmpfsMagic && type != ramfsMagic else {
            throw Subprocess.Failure(
                description: "scratch \(path) is on \(describe(type)): fdatasync costs nothing there, so fsync figures "
                    + "would mislead; set TMPDIR to a folder on a real disk")
        }
        return describe(type)
    }
}
