import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// How far `export-tree` got, in `<out>/.fathom/export-cursor`: the last commit number whose
/// rows are in the tree, and the length of every file the last chunk touched.
///
/// Saved twice per chunk, each time to a temp file that is synced and renamed: before the chunk
/// (the old number with the files' lengths before any byte is appended) and after its data is
/// synced (the new number and lengths). Loaded at start, it cuts those files back to the lengths
/// it names, so a chunk a crash interrupted is removed whole and written again: no line twice.
///
/// ```
/// fathom-export-cursor 1
/// n 42
/// len 1234 fox/2026/11/25/c1.csv
/// ```
struct ExportCursor: Equatable {
    var commitNumber: Int64 = 0
    /// Relative path → length in bytes.
    var lengths: [String: Int64] = [:]

    static func path(out: String) -> String { out + "/.fathom/export-cursor" }

    /// The saved cursor, or a fresh one when there is none.
    static func load(out: String) throws(StorageError) -> ExportCursor {
        let path = path(out: out)
        let text: String?
        do {
            text = try PosixFile.readText(path)
        } catch {
            throw StorageError(errno: error.errno, operation: "read", path: path)
        }
        guard let text else { return ExportCursor() }
        var cursor = ExportCursor()
        let lines = text.split(separator: "\n")
        guard lines.first == "fathom-export-cursor 1" else {
            throw StorageError(errno: EINVAL, operation: "read", path: path, detail: "not an export cursor")
        }
        for line in lines.dropFirst() {
            let fields = line.split(separator: " ", maxSplits: 2)
            if fields.count == 2, fields[0] == "n", let n = Int64(fields[1]) {
                cursor.commitNumber = n
            } else if fields.count == 3, fields[0] == "len", let length = Int64(fields[1]) {
                cursor.lengths[String(fields[2])] = length
            } else {
                throw StorageError(errno: EINVAL, operation: "read", path: path, detail: "bad line: \(line.prefix(80))")
            }
        }
        return cursor
    }

    /// Cuts every file this cursor names back to its recorded length (what a crash left past it).
    func cutBack(out: String) throws(StorageError) {
        for (relative, length) in lengths {
            let path = out + "/" + relative
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            if Int64(info.st_size) > length {
                guard truncate(path, off_t(length)) == 0 else {
                    throw StorageError(errno: errno, operation: "truncate", path: path)
                }
            }
        }
    }

    /// Writes the cursor durably (temp file, fsync, rename, directory fsync).
    func save(out: String) throws(StorageError) {
        let directory = out + "/.fathom"
        try GroupCommitWriter.makeDirectories(directory, mode: 0o755, syncParents: true)
        var text = "fathom-export-cursor 1\nn \(commitNumber)\n"
        for (relative, length) in lengths.sorted(by: { $0.key < $1.key }) { text += "len \(length) \(relative)\n" }
        let path = Self.path(out: out)
        let temp = path + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError(errno: errno, operation: "open", path: temp) }
        if let failure = PosixFile.writeAll(fd, Array(text.utf8)) {
            close(fd)
            throw StorageError(errno: failure, operation: "write", path: temp)
        }
        guard fsync(fd) == 0 else {
            let failure = errno
            close(fd)
            throw StorageError(errno: failure, operation: "fsync", path: temp)
        }
        close(fd)
        guard rename(temp, path) == 0 else { throw StorageError(errno: errno, operation: "rename", path: path) }
        do {
            try PosixFile.syncDirectory(directory)
        } catch {
            throw StorageError(errno: error.errno, operation: "fsync", path: directory)
        }
    }
}
