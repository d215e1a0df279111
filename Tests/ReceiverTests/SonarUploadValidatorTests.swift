import FathomShared
import FathomTestSupport
import Testing

@testable import FathomReceiver

@Suite(.timeLimit(.minutes(2))) struct SonarUploadValidatorTests {
    let fox = StorageName("fox")!
    let validator = SonarUploadValidator(maxLineBytes: 200)

    @Test func binsByUTCDateOfEachRecord() throws {
        // Jobanalyzer's transport test vector: local 00:00:03+01:00 is still the 14th in UTC.
        let body = "v=0.7.0,time=2023-11-15T00:00:03+01:00,host=myhost,user=a,cmd=x\n"
            + "v=0.7.0,time=2023-11-15T12:00:00+01:00,host=myhost,user=a,cmd=y\n"
            + "v=0.7.0,time=2023-11-15T12:00:00+01:00,host=other.example.org,user=a,cmd=y\n"
        let appends = try validator.freeCSV(Array(body.utf8), cluster: fox)
        #expect(appends.map(\.relativePath) == [
            "fox/2023/11/14/myhost.csv", "fox/2023/11/15/myhost.csv", "fox/2023/11/15/other.example.org.csv",
        ])
        #expect(String(decoding: appends[0].bytes, as: UTF8.self) == "v=0.7.0,time=2023-11-15T00:00:03+01:00,host=myhost,user=a,cmd=x\n")
    }

    @Test func linesAreStoredVerbatimWithQuotesAndCRLFNormalised() throws {
        let line = "v=0.12.2,time=2026-01-02T03:04:05+00:00,host=h,user=u,cmd=a,\"gpus=0,1\""
        let appends = try validator.freeCSV(Array((line + "\r\n\n  \n").utf8), cluster: fox)
        #expect(appends.count == 1)
        #expect(String(decoding: appends[0].bytes, as: UTF8.self) == line + "\n")
    }

    @Test(arguments: [
        ("v=1,host=h,user=u,cmd=c", "missing time"),
        ("v=1,time=2026-01-02T03:04:05+00:00,user=u,cmd=c", "missing host"),
        ("v=1,time=2026-01-02T03:04:05+00:00,host=,user=u", "missing host"),
        ("v=1,time=yesterday,host=h", "time is not RFC 3339"),
        ("v=1,time=2026-01-02T03:04:05+0000,host=h", "time is not RFC 3339"),
        ("v=1,time=2026-01-02T03:04:05+00:00,host=../../etc", "host name not allowed"),
        ("v=1,time=2026-01-02T03:04:05+00:00,host=a/b", "host name not allowed"),
        ("v=1,time=2026-01-02T03:04:05+00:00,host=h,nonsense", "field without '='"),
        ("v=1,time=2026-01-02T03:04:05+00:00,host=h,\"cmd=a", "unterminated"),
    ])
    func rejectsBadLinesWithAReason(line: String, reason: String) {
        let body = "v=1,time=2026-01-02T03:04:05+00:00,host=good,user=u,cmd=c\n" + line + "\n"
        #expect {
            _ = try validator.freeCSV(Array(body.utf8), cluster: fox)
        } throws: { error in
            let message = (error as? UploadRejection)?.message ?? ""
            return message.contains("line 2") && message.contains(reason)
        }
    }

    @Test func overlongLineIsRefusedNotTruncated() {
        let line = "v=1,time=2026-01-02T03:04:05+00:00,host=h,user=u,cmd=" + String(repeating: "x", count: 300)
        #expect(throws: UploadRejection.self) { try validator.freeCSV(Array(line.utf8), cluster: fox) }
    }

    @Test func emptyBodyIsRefused() {
        #expect(throws: UploadRejection.self) { try validator.freeCSV(Array("\n\n".utf8), cluster: fox) }
    }

    @Test func sysinfoNeedsTimestampAndHostname() throws {
        let json = #"{"timestamp":"2026-11-23T06:39:22+00:00","hostname":"vm","cpu_cores":2,"mem_gb":24}"#
        let appends = try validator.sysinfo(Array(json.utf8), cluster: fox)
        #expect(appends.map(\.relativePath) == ["fox/2026/11/23/sysinfo-vm.json"])
        #expect(appends[0].bytes.last == UInt8(ascii: "\n"))
        for bad in [#"{"hostname":"vm"}"#, #"{"timestamp":"2026-11-23T06:39:22+00:00"}"#, "[1,2]", "{not json",
                    #"{"timestamp":"2026-11-23T06:39:22+00:00","hostname":".."}"#] {
            #expect(throws: UploadRejection.self) { try validator.sysinfo(Array(bad.utf8), cluster: fox) }
        }
    }
}
