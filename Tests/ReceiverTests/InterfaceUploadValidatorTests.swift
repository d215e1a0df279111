import FathomReceiver
import FathomShared
import Testing

@Suite("Interfaces: upload validation", .timeLimit(.minutes(1)))
struct InterfaceUploadValidatorTests {
    static let cluster = StorageName("fox")!
    static func line(_ name: String, host: String = "node1", time: Int64 = 1_700_000_030) -> String {
        InterfaceStoreTests.record(name, at: time, host: host).line
    }

    @Test("every line read; blank lines and CRLF endings allowed")
    func accepts() throws {
        let body = Self.line("eth0") + "\r\n\n" + Self.line("eth1") + "\n"
        let upload = try InterfaceUploadValidator().validate(Array(body.utf8), cluster: Self.cluster, batchID: "fox/x")
        #expect(upload.records.map(\.name) == ["eth0", "eth1"] && upload.batchID == "fox/x" && upload.cluster == "fox")
    }

    @Test(
        "one bad line refuses the whole upload, naming the line",
        arguments: [
            ("not a record", "line 2"), ("v=1,time=1", "line 2: missing field"),
            (InterfaceStoreTests.record("eth0", at: 1_700_000_030).line, "twice at one time"),
            (InterfaceStoreTests.record("eth2", at: 1_700_000_030, host: "../etc").line, "bad host name"),
            (InterfaceStoreTests.record("eth2", at: 253_402_300_800).line, "year 9999"),
            ("v=1,\u{0}", "NUL"),
        ])
    func refuses(second: String, expected: String) {
        let body = Self.line("eth0") + "\n" + second + "\n"
        #expect {
            _ = try InterfaceUploadValidator().validate(Array(body.utf8), cluster: Self.cluster, batchID: nil)
        } throws: { error in
            "\(error)".contains(expected)
        }
        #expect(throws: UploadRejection("Bad content: no records")) {
            _ = try InterfaceUploadValidator().validate(Array("\n\n".utf8), cluster: Self.cluster, batchID: nil)
        }
    }
}
