/// Attaches GPU usage to process records, inventing records for GPU users missing from /proc.
///
/// A process can hold GPU memory after it left our view (died with a leaked context, or lives in
/// another pid namespace); sonar reports those as `_zombie_<pid>` so the memory is not lost.
enum GPUMerge {
    static func apply(_ usage: [GPUProcessUsage], to records: inout [SampleRecord]) {
        var indexByPid: [Int: Int] = [:]
        for (index, record) in records.enumerated() { indexByPid[record.pid] = index }
        for item in usage {
            let cards: GPUCardSet = item.card.map { .cards([$0]) } ?? .unknown
            let index: Int
            if let existing = indexByPid[item.pid] {
                index = existing
            } else {
                // Not in /proc (or in state X, which is skipped): nothing but the GPU data is known.
                records.append(
                    SampleRecord(
                        user: "_zombie_\(item.pid)", command: item.command ?? "_unknown_", uid: nil, pid: item.pid))
                index = records.count - 1
                indexByPid[item.pid] = index
            }
            records[index].gpus.formUnion(cards)
            records[index].gpuPercent += item.gpuPercent
            records[index].gpuMemPercent += item.memPercent
            records[index].gpuKiB += item.memKiB
        }
    }
}
