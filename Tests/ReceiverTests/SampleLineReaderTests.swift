import FathomShared
import Testing

@testable import FathomReceiver

/// The index's line reader reads numbers from bytes and reuses the strings of the line before:
/// it must give exactly what parsing each value as a `String` gives.
@Suite(.timeLimit(.minutes(1))) struct SampleLineReaderTests {
    @Test func numbersReadFromBytesEqualTheStandardLibrarysParse() {
        var rng = SystemRandomNumberGenerator()
        var texts = [
            "0", "-0", "+5", "99.5", "0.1", "1e3", "inf", "nan", "-inf", "1.", ".5", "", "-", "1.2.3", "12a",
            "123456789012345", "1234567890123456", "9223372036854775807", "9223372036854775808", "0.30000000000000004",
            "00012.500", "3.14159265358979", "1e400", "0x10",
        ]
        for _ in 0..<2_000 {
            let whole = Int.random(in: 0..<1_000_000, using: &rng)
            let fraction = String(Int.random(in: 0..<1_000_000_000, using: &rng)).prefix(
                Int.random(in: 1...9, using: &rng))
            texts.append("\(Bool.random(using: &rng) ? "-" : "")\(whole).\(fraction)")
            texts.append(String(Int64.random(in: -999_999_999_999...999_999_999_999, using: &rng)))
        }
        for text in texts {
            let bytes = Array(text.utf8)
            let double = Double(text).flatMap { $0.isFinite ? $0 : nil } ?? 0
            #expect(
                bytes.withUnsafeBufferPointer { ASCIINumber.double($0) }.bitPattern == double.bitPattern,
                "double \(text)")
            let integer =
                Int64(text) ?? Double(text).map { $0.isFinite ? Int64(exactly: $0.rounded(.towardZero)) ?? 0 : 0 } ?? 0
            #expect(bytes.withUnsafeBufferPointer { ASCIINumber.integer($0) } == integer, "integer \(text)")
        }
    }

    @Test func repeatedValuesAreReusedAndChangedOnesRead() throws {
        var reader = SampleLineReader()
        let lines = [
            "v=0.12.2,time=2026-11-25T10:00:00+00:00,host=c1,user=alice,cmd=a,job=7,pid=1,cpu%=10.5,cpukib=100",
            "v=0.12.2,time=2026-11-25T10:00:00+00:00,host=c1,user=alice,cmd=a,job=8,pid=2,cpu%=1,rssanonkib=3,gpu%=2",
            #"v=0.12.2,time=2026-11-25T10:05:00+00:00,"host=c2",user=bob,job=0,"cmd=x,y",gpumem%=4.5,gpukib=9,cpu%=1e1"#,
            "v=0.12.2,time=2026-11-25T10:05:00+00:00,host=c2,user=_sonar_,cmd=_heartbeat_,job=9,cpu%=50",
        ]
        let records = lines.map { reader.read(Array($0.utf8)[...]) }
        let r = try records.map { try #require($0) }
        #expect(r.map(\.host) == ["c1", "c1", "c2", "c2"])
        #expect(r.map(\.epochSeconds) == [1_795_600_800, 1_795_600_800, 1_795_601_100, 1_795_601_100])
        #expect(r.map(\.user) == ["alice", "alice", "bob", "_sonar_"])
        #expect(r.map(\.job) == ["7", "8", nil, nil], "job 0 is no job, a heartbeat has none")
        #expect(r.map(\.isHeartbeat) == [false, false, false, true])
        #expect(r.map(\.usage.cpuPercent) == [10.5, 1, 10, 0])
        #expect(r[1].usage.rssAnonKiB == 3 && r[1].usage.gpuPercent == 2 && r[2].usage.gpuMemPercent == 4.5)
        #expect(r[2].usage.gpuKiB == 9 && r.map(\.usage.processes) == [1, 1, 1, 0])
        #expect(reader.read(Array("v=0.12.2,host=c1,cmd=x".utf8)[...]) == nil, "no time")
        #expect(
            reader.read(Array("v=0.12.2,time=2026-11-25T10:00:00+00:00,host=,cmd=x".utf8)[...]) == nil, "empty host")
        #expect(reader.read(Array(#"v=0.12.2,"host=c1,time=x"#.utf8)[...]) == nil, "not free CSV")
    }
}
