import FathomTestSupport
import Foundation

extension TempDirectory {
    /// A bench's scratch directory under `$TMPDIR` (or /tmp), removed when the bench is done.
    /// Everything a bench writes (PKI, credentials, data, the fdatasync baseline file) lives here,
    /// so the baseline is measured on the same filesystem as the receiver's data.
    static func benchScratch(_ prefix: String) -> TempDirectory {
        TempDirectory(prefix, in: ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp")
    }
}
