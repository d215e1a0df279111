/// sonar's `--rollup`: merges sibling leaf processes of one job into a single record.
///
/// Only records with a known job (≠ 0) and no children are merged, and only when they share job,
/// parent and command (e.g. the 64 identical MPI ranks under one launcher). The merged record sums
/// the resource fields, drops the pid and says in `rolledup` how many extra processes it stands for.
enum Rollup {
    static func apply(_ records: [SampleRecord]) -> [SampleRecord] {
        struct Key: Hashable {
            var job: Int
            var ppid: Int
            var command: String
        }
        var output: [SampleRecord] = []
        var indexByKey: [Key: Int] = [:]
        for record in records {
            guard record.job != 0, !record.hasChildren else {
                output.append(record)
                continue
            }
            let key = Key(job: record.job, ppid: record.ppid, command: record.command)
            guard let index = indexByKey[key] else {
                indexByKey[key] = output.count
                output.append(record)
                continue
            }
            merge(record, into: &output[index])
        }
        return output
    }

    private static func merge(_ record: SampleRecord, into group: inout SampleRecord) {
        group.pid = 0
        group.rolledUp += 1 + record.rolledUp
        group.cpuPercent += record.cpuPercent
        group.cpuKiB += record.cpuKiB
        group.rssAnonKiB += record.rssAnonKiB
        group.memPercent += record.memPercent
        group.cputimeSeconds += record.cputimeSeconds
        group.gpus.formUnion(record.gpus)
        group.gpuPercent += record.gpuPercent
        group.gpuMemPercent += record.gpuMemPercent
        group.gpuKiB += record.gpuKiB
    }
}
