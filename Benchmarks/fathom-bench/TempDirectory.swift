import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private scratch directory (mkdtemp) that the bench removes when done.
///
/// Everything the receiver bench writes (PKI, credentials, data, the fdatasync baseline file)
/// lives here, so the baseline is measured on the same filesystem as the receiver's data.
struct TempDirectory {
    let path: String

    /// Created under `$TMPDIR` (or /tmp) unless `parent` is given.
    init(prefix: String, parent: String? = nil) throws {
        let base = parent ?? ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Subprocess.Failure(description: "mkdtemp in \(base): \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
