import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the day files of a data tree for the index: which there are (with their sizes) and a
/// byte range of one.
///
/// ```swift
/// for file in try DayFileBytes.dayFiles(under: "/var/lib/fathom/data") { print(file.relativePath, file.size) }
/// ```
enum DayFileBytes {
    struct DayFile: Equatable {
        var relativePath: String
        var size: Int64
    }

    /// Every `<cluster>/<YYYY>/<MM>/<DD>/<host>.csv` under `root`, sorted; hidden entries (`.fathom`) skipped.
    static func dayFiles(under root: String) throws(StorageError) -> [DayFile] {
        var out: [DayFile] = []
        func walk(_ relative: String, depth: Int) throws(StorageError) {
            let full = relative.isEmpty ? root : root + "/" + relative
            guard let dir = opendir(full) else {
                if depth == 0 && errno == ENOENT { return }
                throw StorageError(errno: errno, operation: "opendir", path: full)
            }
            defer { closedir(dir) }
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
                }
                if !name.hasPrefix(".") { names.append(name) }
            }
            for name in names.sorted() {
                let child = relative.isEmpty ? name : relative + "/" + name
                var st = stat()
                guard stat(root + "/" + child, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR {
                    if depth < 4 { try walk(child, depth: depth + 1) }
                } else if depth == 4 && (st.st_mode & S_IFMT) == S_IFREG && SampleIndex.isDayFile(child) {
                    out.append(DayFile(relativePath: child, size: Int64(st.st_size)))
                }
            }
        }
        try walk("", depth: 0)
        return out
    }

    /// Bytes `[from, to)` of the file (fewer if it is shorter).
    static func read(_ path: String, from: Int64, to: Int64) throws(StorageError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError(errno: errno, operation: "open", path: path) }
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: Int(max(0, to - from)))
        var done = 0
        while done < out.count {
            let n = out.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(from) + off_t(done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError(errno: errno, operation: "read", path: path)
            }
            if n == 0 { break }
            done += n
        }
        out.removeLast(out.count - done)
        return out
    }
}
