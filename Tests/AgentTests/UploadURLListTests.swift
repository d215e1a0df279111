import FathomAgent
import FathomShared
import FathomTestSupport
import Foundation
import Testing

/// `receiver.url` and `archive.url`: one URL or a list, with errors that name the entry.
@Suite(.timeLimit(.minutes(1))) struct UploadURLListTests {
    func parse(_ text: String) throws -> AgentSettings { try AgentSettingsFile.parse(text, fileName: "agent.toml") }

    @Test func aStringIsAListOfOneAndAListKeepsItsOrder() throws {
        #expect(try parse("[receiver]\nurl = \"https://r1:8443\"").receiverURLs == ["https://r1:8443"])
        let s = try parse(
            """
            [receiver]
            url = ["https://r1:8443", "https://r2:8443/prefix"]
            [archive]
            url = ["https://a1:8443", "https://a2:8443"]
            """)
        #expect(s.receiverURLs == ["https://r1:8443", "https://r2:8443/prefix"])
        #expect(s.archiveURLs == ["https://a1:8443", "https://a2:8443"])
    }

    @Test(arguments: [
        ("[receiver]\nurl = []", "config key 'receiver.url' is an empty list"),
        (
            "[receiver]\nurl = [\"https://r1\", \"\"]",
            "config key 'receiver.url' entry 2 of 2: '' is not an http(s):// URL"
        ),
        ("[receiver]\nurl = [\"https://r1\", \"r2:8443\"]", "entry 2 of 2: 'r2:8443' is not an http(s):// URL"),
        ("[receiver]\nurl = [\"https://r1\", \"https://R1/\"]", "entry 2 of 2: https://R1/ is listed twice"),
        ("[receiver]\nurl = [\"https://r1\", 5]", "must be a URL or a list of URLs, found array"),
        ("[receiver]\nurl = true", "'receiver.url' must be a URL or a list of URLs"),
        ("[archive]\nurl = [\"https://a1\", \"ftp://a2\"]", "config key 'archive.url' entry 2 of 2"),
        ("[archive]\nurl = []", "config key 'archive.url' is an empty list"),
    ])
    func badListsNameTheEntry(text: String, expected: String) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test func everyReceiverGetsTheSameCredentialsAndAPlainHTTPEntryIsNamed() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        try dir.write("password", "fox-secret\n")
        var s = AgentSettings()
        s.receiverURLs = ["https://r1:8443", "https://r2:8443"]
        s.cluster = "fox"
        s.passwordFile = dir.file("password")
        let endpoints = try s.endpoints()
        #expect(endpoints.map(\.baseURL) == ["https://r1:8443", "https://r2:8443"])
        #expect(endpoints.allSatisfy { $0.user == "fox" && $0.password == "fox-secret" && $0.cluster == "fox" })
        s.receiverURLs = ["https://r1:8443", "http://r2:8443"]
        #expect {
            _ = try s.endpoints()
        } throws: { error in
            "\(error)".contains("config key 'receiver.url' entry 2 of 2: receiver URL http://r2:8443 is plain HTTP")
        }
    }

    @Test func archivesDefaultToTheReceiversAndFailOverLikeThem() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        try dir.write("token", "tok-1\n")
        var s = AgentSettings()
        s.receiverURLs = ["https://r1:8443", "https://r2:8443"]
        s.archiveTokenFile = dir.file("token")
        let http = try AgentHTTPClient(caFile: nil)
        defer { try? http.syncShutdown() }
        #expect(
            try s.archiveClients(http: http).map(\.address)
                == ["https://r1:8443/esmond/perfsonar/archive/", "https://r2:8443/esmond/perfsonar/archive/"])
        s.archiveURLs = ["https://a1:8443"]
        #expect(try s.archiveClients(http: http).map(\.address) == ["https://a1:8443/esmond/perfsonar/archive/"])
    }
}
