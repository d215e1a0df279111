import FathomTestSupport
import Foundation
import Testing

@testable import FathomReceiver

/// The ingest index's fold against real day files and a real SQLite file: quoting, heartbeats,
/// jobs outside any job (`job=0`), segments folded twice, and a gap before a segment (a fold that
/// failed earlier) read back from the file.
@Suite struct SampleIndexFoldTests {
    static let path = "fox/2026/11/25/c1.csv"
    static let first = """
        v=0.12.2,time=2026-11-25T10:00:00+00:00,host=c1,user=alice,cmd=a,job=7,pid=1,cpu%=10.5,cpukib=100,rssanonkib=50
        v=0.12.2,time=2026-11-25T10:00:00+00:00,host=c1,user=bob,"cmd=x,y",job=8,pid=2,cpu%=2.25,cpukib=20,rssanonkib=10,gpu%=40,gpumem%=5,gpukib=1024,"gpus=0,1"
        v=0.12.2,time=2026-11-25T10:00:00+00:00,host=c1,user=root,cmd=sshd,job=0,pid=3,cpu%=1,cpukib=4,rssanonkib=2

        """
    static let second = """
        v=0.12.2,time=2026-11-25T10:05:00+00:00,host=c1,user=alice,cmd=a,job=7,pid=1,cpu%=20,cpukib=110,rssanonkib=60
        v=0.12.2,time=2026-11-25T10:10:00+00:00,host=c1,user=_sonar_,cmd=_heartbeat_

        """
    static let t0: Int64 = 1_795_600_800

    func values(_ index: SampleIndex, _ scope: IndexSeriesQuery.Scope, _ q: IndexSeriesQuery.Quantity) async throws
        -> [Double]
    {
        try await index.series(
            IndexSeriesQuery(scope: scope, quantity: q, from: Self.t0, to: Self.t0 + 3600, bucketSeconds: 1)
        )
        .map(\.value)
    }

    @Test func aGapBeforeASegmentIsReadFromTheFileAndNothingIsFoldedTwice() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("fox/2026/11/25"), withIntermediateDirectories: true)
        try dir.write(Self.path, Self.first + Self.second)
        let index = try SampleIndex(path: dir.file("index.sqlite"), dataDirectory: dir.path)
        // Only the second upload is handed over: the first (never folded) is read from the file.
        let offset = Int64(Self.first.utf8.count)
        try index.fold([SampleIndex.Segment(relativePath: Self.path, offset: offset, bytes: Array(Self.second.utf8))])
        // Folding the same segment again (or the first one late) changes nothing.
        try index.fold([SampleIndex.Segment(relativePath: Self.path, offset: offset, bytes: Array(Self.second.utf8))])
        try index.fold([SampleIndex.Segment(relativePath: Self.path, offset: 0, bytes: Array(Self.first.utf8))])
        let host = IndexSeriesQuery.Scope.host(cluster: "fox", host: "c1")
        #expect(try await values(index, host, .cpuPercent) == [13.75, 20, 0])
        #expect(try await values(index, host, .gpuKiB) == [1024, 0, 0])
        #expect(try await values(index, host, .processes) == [3, 1, 0], "the heartbeat is a sample without processes")
        #expect(try await values(index, host, .jobs) == [2, 1, 0], "job 0 is no job")
        #expect(try await values(index, host, .users) == [3, 1, 0])
        #expect(try await values(index, .job(cluster: "fox", job: "7"), .rssAnonKiB) == [50, 60])
        #expect(try await values(index, .user(cluster: "fox", user: "bob"), .gpuPercent) == [40])
        #expect(try await values(index, .cluster("fox"), .hosts) == [1, 1, 1])
        #expect(index.foldedBytes.bytes == Int64((Self.first + Self.second).utf8.count))
        #expect(index.hosts(cluster: "fox") == ["c1"] && index.clusters() == ["fox"])
        // A rebuild from the file gives the same series.
        #expect(try index.rebuild() == 5)
        #expect(try await values(index, host, .cpuPercent) == [13.75, 20, 0])
        #expect(
            try await index.topJobs(cluster: "fox", from: Self.t0, to: Self.t0 + 3600, limit: 5).map(\.job) == [
                "7", "8",
            ])
    }

    @Test func sysinfoFilesAndLinesWithoutTimeAreNotFolded() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("fox/2026/11/25"), withIntermediateDirectories: true)
        try dir.write("fox/2026/11/25/sysinfo-c1.json", "{\"hostname\":\"c1\"}\n")
        try dir.write(Self.path, "v=0.12.2,host=c1,user=a,cmd=x\nnot csv at all\n" + Self.second)
        let index = try SampleIndex(path: dir.file("index.sqlite"), dataDirectory: dir.path)
        #expect(try index.catchUp() == 2)
        #expect(index.foldedBytes.files == 1)
        #expect(try await values(index, .host(cluster: "fox", host: "c1"), .cpuPercent) == [20, 0])
    }
}
