import FathomTestSupport
import Foundation
import Testing

/// Uploads a hostile or careless client can send that the file system or later readers would
/// choke on: each is refused whole with 400 and a reason (so the agent quarantines it instead of
/// retrying forever), and nothing of it is stored.
@Suite(.serialized) struct ReceiverIngestValidationTests {
    func post(
        _ f: ReceiverFixture, path: String = "/sonar-freecsv", type: String = "text/csv", _ bytes: [UInt8]
    ) async throws -> UploadClient.Reply {
        try await f.client.send(f.url(path), contentType: type, user: "fox", password: "fox-secret", bytes: bytes)
    }

    @Test(.timeLimit(.minutes(2)))
    func badNamesTimesAndBytesAre400WithAReasonAndStoreNothing() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let good = Array((sampleLine() + "\n").utf8)
        let longHost = String(repeating: "h", count: 252)  // a legal name, but "<host>.csv" is 256 bytes
        let cases: [([UInt8], String)] = [
            (Array((sampleLine(host: longHost) + "\n").utf8), "over the limit of 255"),
            (good + Array(sampleLine(cmd: "a").utf8) + [0] + Array("b\n".utf8), "line 2: NUL byte"),
            (good + Array(sampleLine(cmd: "a").utf8) + [0xC3, 0x28] + Array("\n".utf8), "line 2: invalid UTF-8"),
            (good + Array(sampleLine(cmd: "a\rb").utf8) + Array("\r\n".utf8), "line 2: carriage return"),
            (Array((sampleLine(time: "0000-01-01T00:00:00+00:00") + "\n").utf8), "line 1: time is outside"),
            (Array((sampleLine(time: "0001-06-01T00:00:00Z") + "\n").utf8), "line 1: time is outside"),
            (Array((sampleLine(time: "9999-12-31T23:59:59-01:00") + "\n").utf8), "line 1: time is outside"),
        ]
        for (body, reason) in cases {
            let reply = try await post(f, body)
            #expect(reply.status == 400 && reply.body.contains(reason), "\(reply.status) \(reply.body)")
        }
        #expect(storedFiles(f.data, cluster: "fox").isEmpty)
    }

    @Test(.timeLimit(.minutes(2)))
    func sysinfoIsCheckedStrictlyAndStoredOnOneLine() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let head = #"{"timestamp":"2026-11-23T06:39:22+00:00","hostname":"vm""#
        for (json, reason) in [
            (head + #","hostname":"vm2"}"#, "duplicate key"),
            (head + #","mem_gb":1e309}"#, "number out of range"),
            (
                #"{"timestamp":"2026-11-23T06:39:22+00:00","hostname":"\#(String(repeating: "s", count: 243))"}"#,
                "over the limit of 255"
            ),
        ] {
            let reply = try await post(f, path: "/sysinfo", type: "application/json", Array(json.utf8))
            #expect(reply.status == 400 && reply.body.contains(reason), "\(reply.status) \(reply.body)")
        }
        #expect(storedFiles(f.data, cluster: "fox").isEmpty)
        let pretty =
            "{\n  \"timestamp\": \"2026-11-23T06:39:22+00:00\",\n  \"hostname\": \"vm\",\n"
            + "  \"description\": \"2x AMD  EPYC\",\n  \"gpus\": [ 0, 1 ]\n}\n"
        let reply = try await post(f, path: "/sysinfo", type: "Application/JSON; charset=utf-8", Array(pretty.utf8))
        #expect(reply.status == 200)
        #expect(
            storedFiles(f.data, cluster: "fox")["2026/11/23/sysinfo-vm.json"]
                == #"{"timestamp":"2026-11-23T06:39:22+00:00","hostname":"vm","description":"2x AMD  EPYC","gpus":[0,1]}"#
                + "\n")
    }

    @Test(.timeLimit(.minutes(2)))
    func csvMediaTypeIsCaseInsensitiveAndMayCarryACharset() async throws {
        let f = try await ReceiverFixture()
        defer { f.close() }
        let body = Array((sampleLine() + "\n").utf8)
        for type in ["text/csv; charset=utf-8", "TEXT/CSV", "Text/Csv;charset=\"UTF-8\""] {
            #expect(try await post(f, type: type, body).status == 200, "\(type)")
        }
        for type in ["text/csvx", "text/csv; charset=latin1", "text/plain"] {
            #expect(try await post(f, type: type, body).status == 400, "\(type)")
        }
        #expect(
            storedFiles(f.data, cluster: "fox")["2026/11/25/c1.csv"] == String(repeating: sampleLine() + "\n", count: 3)
        )
    }
}
