import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Syncs many file descriptors at once from several threads.
///
/// One upload per node means one file per node, so a commit group touches many files. Issued one
/// after another, each `fdatasync` waits for its own journal commit; issued together, the
/// filesystem folds them into few commits (measured here: 64 files synced in 4.7 ms in parallel
/// against 12.9 ms one by one).
struct ParallelSync {
    /// A private concurrent queue: on Linux it may grow threads beyond the core count while
    /// they block in `fdatasync`, unlike the global queues.
    private let queue = DispatchQueue(label: "fathom.sync", attributes: .concurrent)
    let width: Int

    init(width: Int = 16) { self.width = max(1, width) }

    /// Returns the first errno any sync gave, or nil if all succeeded.
    func fdatasyncAll(_ fds: [Int32]) -> Int32? {
        if fds.count <= 1 {
            return fds.first.flatMap { fdatasync($0) == 0 ? nil : errno }
        }
        let failure = Mutex<Int32?>(nil)
        let group = DispatchGroup()
        let lanes = min(width, fds.count)
        for lane in 0..<lanes {
            queue.async(group: group) {
                var i = lane
                while i < fds.count {
                    if fdatasync(fds[i]) != 0 {
                        let code = errno
                        failure.withLock { if $0 == nil { $0 = code } }
                    }
                    i += lanes
                }
            }
        }
        group.wait()
        return failure.withLock { $0 }
    }
}
