import Testing

@testable import FathomReceiver

/// Merging folds (what PostgreSQL's store does with the folds of one group's uploads) gives the
/// rows one fold of all their bytes gives: sums added, a host sample's jobs and users united, a
/// host sample split across two uploads still one host of its cluster minute.
@Suite(.timeLimit(.minutes(1))) struct SampleFoldMergeTests {
    static let lines = [
        "v=0.12.2,time=2026-11-25T10:00:00+00:00,host=c1,user=alice,cmd=a,job=7,pid=1,cpu%=10.5,cpukib=100,rssanonkib=50",
        "v=0.12.2,time=2026-11-25T10:00:00+00:00,host=c1,user=bob,cmd=b,job=8,pid=2,cpu%=2.25,cpukib=20,gpu%=40,gpukib=1024",
        "v=0.12.2,time=2026-11-25T10:00:00+00:00,host=c1,user=alice,cmd=c,job=7,pid=3,cpu%=1,cpukib=4,rssanonkib=2",
        "v=0.12.2,time=2026-11-25T10:00:30+00:00,host=c2,user=root,cmd=sshd,job=0,pid=9,cpu%=0.5,cpukib=8",
        "v=0.12.2,time=2026-11-25T10:05:00+00:00,host=c1,user=alice,cmd=a,job=7,pid=1,cpu%=20,cpukib=110,rssanonkib=60",
        "v=0.12.2,time=2026-11-25T10:10:00+00:00,host=c2,user=_sonar_,cmd=_heartbeat_",
    ]

    static func fold(_ lines: ArraySlice<String>) -> SampleFold {
        var fold = SampleFold()
        fold.add(cluster: "fox", bytes: Array(lines.map { $0 + "\n" }.joined().utf8)[...])
        return fold
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func foldsMergedAtAnySplitEqualOneFoldOfAllTheLines(split: Int) {
        let whole = Self.fold(Self.lines[...])
        var merged = Self.fold(Self.lines[split...])
        merged.merge(Self.fold(Self.lines[..<split]))
        #expect(merged.lines == whole.lines && whole.lines == 6)
        #expect(Set(merged.hosts.keys) == Set(whole.hosts.keys))
        for (key, row) in whole.hosts {
            let other = merged.hosts[key]
            #expect(other?.usage == row.usage && other?.jobs == row.jobs && other?.users == row.users, "\(key)")
        }
        #expect(whole.hosts[.init(cluster: "fox", host: "c1", time: 1_795_600_800)]?.jobs == ["7", "8"])
        #expect(Set(merged.jobs.keys) == Set(whole.jobs.keys))
        for (key, row) in whole.jobs {
            #expect(merged.jobs[key]?.usage == row.usage && merged.jobs[key]?.user == row.user, "\(key)")
        }
        #expect(merged.users == whole.users)
        let clusters = whole.clusterRows()
        let mergedClusters = merged.clusterRows()
        #expect(Set(mergedClusters.keys) == Set(clusters.keys))
        for (key, row) in clusters {
            #expect(mergedClusters[key]?.usage == row.usage && mergedClusters[key]?.hosts == row.hosts, "\(key)")
        }
        // c1 and c2 in the 10:00 minute: two hosts, however the lines were split.
        #expect(mergedClusters[.init(cluster: "fox", name: "", minute: 1_795_600_800)]?.hosts == 2)
    }
}

/// `reindex --store` folds the stored lines in chunks written one after the other (each adding to
/// the rows before it): a chunk ends only between host samples, so no sample is in two chunks.
@Suite(.timeLimit(.minutes(1))) struct PostgresIndexChunkTests {
    @Test(arguments: [1, 2, 3, 100])
    func chunksEndBetweenHostSamplesAndHoldEveryLineOnce(chunkLines: Int) {
        var folder = PostgresIndexRebuild.ChunkFolder()
        folder.chunkLines = chunkLines
        var chunks: [SampleFold] = []
        // Rows as the cursor gives them: cluster, host, day, then storage order.
        let rows = ["c1", "c2"].flatMap { host in
            SampleFoldMergeTests.lines.filter { $0.contains("host=\(host),") }.map { line -> (String, Int64, String) in
                let stamp = line.split(separator: ",")[1].dropFirst("time=".count)
                return (host, Int64(stamp.dropFirst(14).prefix(5).filter(\.isNumber)) ?? -1, line)
            }
        }
        for (host, time, line) in rows {
            if let chunk = folder.add(cluster: "fox", host: host, time: time, line: line) { chunks.append(chunk) }
        }
        chunks.append(folder.finish())
        #expect(folder.lines == 6 && chunks.map(\.lines).reduce(0, +) == 6)
        if chunkLines < 6 { #expect(chunks.count > 1) }
        let whole = SampleFoldMergeTests.fold(SampleFoldMergeTests.lines[...])
        var seen: [SampleFold.HostKey: Int] = [:]
        for chunk in chunks {
            for (key, row) in chunk.hosts {
                seen[key, default: 0] += 1
                #expect(row.jobs == whole.hosts[key]?.jobs && row.usage == whole.hosts[key]?.usage, "\(key)")
            }
        }
        #expect(seen.count == whole.hosts.count && seen.values.allSatisfy { $0 == 1 }, "\(seen)")
    }
}
