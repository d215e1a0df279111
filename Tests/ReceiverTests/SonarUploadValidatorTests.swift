import FathomShared
import FathomTestSupport
import Testing

@testable import FathomReceiver

@Suite(.timeLimit(.minutes(2))) struct SonarUploadValidatorTests {
    let fox = StorageName("fox")!
    let validator = SonarUploadValidator(maxLineBytes: 200)

    @Test func binsByUTCDateOfEachRecord() throws {
        // Jobanalyzer's transport test vector: local 00:00:03+01:00 is still the 14th in UTC.
        let body =
            "v=0.7.0,time=2023-11-15T00:00:03+01:00,host=myhost,user=a,cmd=x\n"
            + "v=0.7.0,time=2023-11-15T12:00:00+01:00,host=myhost,user=a,cmd=y\n"
            + "v=0.7.0,time=2023-11-15T12:00:00+01:00,host=other.example.org,user=a,cmd=y\n"
        let appends = try validator.freeCSV(Array(body.utf8), cluster: fox)
        #expect(
            appends.map(\.relativePath) == [
                "fox/2023/11/14/myhost.csv", "fox/2023/11/15/myhost.csv", "fox/2023/11/15/other.example.org.csv",
            ])
        #expect(
            String(decoding: appends[0].bytes, as: UTF8.self)
                == "v=0.7.0,time=2023-11-15T00:00:03+01:00,host=myhost,user=a,cmd=x\n")
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
        for bad in [
            #"{"hostname":"vm"}"#, #"{"timestamp":"2026-11-23T06:39:22+00:00"}"#, "[1,2]", "{not json",
            #"{"timestamp":"2026-11-23T06:39:22+00:00","hostname":".."}"#,
        ] {
            #expect(throws: UploadRejection.self) { try validator.sysinfo(Array(bad.utf8), cluster: fox) }
        }
    }

    func rejection(_ body: [UInt8], sysinfo: Bool = false, by validator: SonarUploadValidator? = nil) -> String? {
        let validator = validator ?? self.validator
        do {
            _ = sysinfo ? try validator.sysinfo(body, cluster: fox) : try validator.freeCSV(body, cluster: fox)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func hostNameThatMakesTheFileNameTooLongIsRefusedWithAReason() throws {
        // 251 + ".csv" = 255 bytes is the longest legal file name; 252 passes StorageName but not NAME_MAX.
        let longest = String(repeating: "h", count: 251)
        let ok = try SonarUploadValidator().freeCSV(
            Array("v=1,time=2026-01-02T03:04:05Z,host=\(longest)\n".utf8), cluster: fox)
        #expect(ok.map(\.relativePath) == ["fox/2026/01/02/\(longest).csv"])
        let tooLong = String(repeating: "h", count: 252)
        let message = rejection(
            Array("v=1,time=2026-01-02T03:04:05Z,host=\(tooLong)\n".utf8), by: SonarUploadValidator())
        #expect(
            message?.contains("line 1") == true && message?.contains("256 bytes, over the limit of 255") == true,
            "\(message ?? "accepted")")
        // sysinfo-<host>.json adds 13 bytes: 243 is too long there.
        let sysinfo = #"{"timestamp":"2026-01-02T03:04:05Z","hostname":"\#(String(repeating: "s", count: 243))"}"#
        #expect(rejection(Array(sysinfo.utf8), sysinfo: true)?.contains("over the limit of 255") == true)
    }

    @Test(
        arguments: [
            ([0x00], "NUL byte at column"),
            ([0x0D], "carriage return inside the line"),
            ([0xFF], "invalid UTF-8"),
            ([0xC3], "invalid UTF-8"),
            ([0xED, 0xA0, 0x80], "invalid UTF-8"),  // a UTF-16 surrogate encoded as UTF-8
            ([0xC0, 0xAF], "invalid UTF-8"),  // overlong '/'
        ] as [([UInt8], String)])
    func forbiddenBytesInsideALineAreRefusedNamingTheLine(bad: [UInt8], reason: String) {
        let good = Array("v=1,time=2026-01-02T03:04:05+00:00,host=h,user=u,cmd=c\n".utf8)
        let line = Array("v=1,time=2026-01-02T03:04:05+00:00,host=h,user=u,cmd=a".utf8) + bad + Array("b\n".utf8)
        let message = rejection(good + line)
        #expect(message?.contains("line 2") == true && message?.contains(reason) == true, "\(message ?? "accepted")")
    }

    @Test func crlfLineEndingsAndUTF8CommandNamesStayAccepted() throws {
        let line = "v=1,time=2026-01-02T03:04:05+00:00,host=h,user=u,cmd=caf\u{E9}-\u{1F600}"
        let appends = try validator.freeCSV(Array((line + "\r\n" + line + "\r\n").utf8), cluster: fox)
        #expect(appends.map(\.bytes) == [Array((line + "\n" + line + "\n").utf8)])
    }

    @Test(
        arguments: [
            ("2026-01-02T03:04:05+00:00", "fox/2026/01/02/h.csv"),
            ("1970-01-01T00:00:00Z", "fox/1970/01/01/h.csv"),
            ("1970-01-01T00:30:00+00:30", "fox/1970/01/01/h.csv"),
            ("9999-12-31T23:59:59Z", "fox/9999/12/31/h.csv"),
            ("0000-01-01T00:00:00Z", nil), ("0001-06-01T00:00:00Z", nil), ("1969-12-31T23:59:59Z", nil),
            ("1970-01-01T00:00:00+00:01", nil), ("9999-12-31T23:59:59-00:01", nil),
        ] as [(String, String?)])
    func recordTimesBefore1970OrAfter9999AreRefusedAndFoldersHaveFourDigitYears(time: String, path: String?) {
        let body = Array("v=1,time=\(time),host=h\n".utf8)
        if let path {
            #expect((try? validator.freeCSV(body, cluster: fox))?.map(\.relativePath) == [path])
        } else {
            #expect(rejection(body)?.contains("line 1: time is outside 1970") == true, "\(time)")
        }
        let sysinfo = #"{"timestamp":"\#(time)","hostname":"h"}"#
        if path == nil { #expect(rejection(Array(sysinfo.utf8), sysinfo: true)?.contains("time is outside") == true) }
    }

    @Test(arguments: [
        (#"{"timestamp":"2026-11-23T06:39:22+00:00","hostname":"vm","hostname":"other"}"#, "duplicate key"),
        (#"{"timestamp":"2026-11-23T06:39:22+00:00","hostname":"vm","mem_gb":1e309}"#, "number out of range"),
        (#"{"timestamp":"2026-11-23T06:39:22+00:00","hostname":"vm","x":{"a":1,"a":2}}"#, "duplicate key"),
        (#"{"timestamp":"2026-11-23T06:39:22+00:00","hostname":7}"#, "missing hostname"),
        (#"{"timestamp":"2026-11-23T06:39:22+00:00","hostname":"vm"} {}"#, "not valid JSON"),
        ("[" + String(repeating: "[", count: 100_000), "nesting too deep"),
    ])
    func sysinfoWithDuplicateKeysOrNonFiniteNumbersIsRefused(json: String, reason: String) {
        let message = rejection(Array(json.utf8), sysinfo: true)
        #expect(message?.contains(reason) == true, "\(message ?? "accepted")")
    }

    @Test func prettyPrintedSysinfoIsStoredOnOneLineWithStringsUntouched() throws {
        let pretty = """
            {
              "timestamp" : "2026-11-23T06:39:22+00:00",
              "hostname" : "vm",
              "description" : "2x  AMD EPYC, \\"quoted\\" \\\\ {x : y}\\n",
              "cards" : [ { "index" : 0, "power" : 1.5e2 } ],
              "mem_gb" : 24
            }

            """
        let appends = try validator.sysinfo(Array(pretty.utf8), cluster: fox)
        let stored = String(decoding: appends[0].bytes, as: UTF8.self)
        #expect(
            stored
                == #"{"timestamp":"2026-11-23T06:39:22+00:00","hostname":"vm","description":"2x  AMD EPYC, \"quoted\" \\ {x : y}\n","cards":[{"index":0,"power":1.5e2}],"mem_gb":24}"#
                + "\n")
        #expect(try JSONText.parse(Array(stored.utf8)) == JSONText.parse(Array(pretty.utf8)))
    }
}
