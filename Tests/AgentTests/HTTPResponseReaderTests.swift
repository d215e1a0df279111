import Testing

@testable import FathomAgent

/// A scripted peer: hands out its bytes `step` at a time, then the end of the stream.
final class ScriptedByteStream: HTTPByteStream, @unchecked Sendable {
    let endpoint = "scripted:1"
    private var bytes: [UInt8]
    private var offset = 0
    private let step: Int
    private(set) var written: [UInt8] = []

    init(_ text: String, step: Int) {
        bytes = Array(text.utf8)
        self.step = step
    }

    init(bytes: [UInt8], step: Int) {
        self.bytes = bytes
        self.step = step
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, limits: HTTPWaitLimits) throws(AgentHTTPError) -> Int {
        let n = min(step, buffer.count, bytes.count - offset)
        for i in 0..<n { buffer[i] = bytes[offset + i] }
        offset += n
        return n
    }

    func write(_ bytes: [UInt8], limits: HTTPWaitLimits) throws(AgentHTTPError) { written += bytes }
    var isReusable: Bool { true }
    func close() {}
}

/// ``HTTPResponseReader`` on scripted answers, fed whole and a few bytes at a time, so every
/// framing rule meets every split of its input.
@Suite(.timeLimit(.minutes(1))) struct HTTPResponseReaderTests {
    let limits = HTTPWaitLimits(total: .seconds(5), perWait: .seconds(5))

    func read(_ text: String, step: Int, max: Int = 1 << 20) throws(AgentHTTPError) -> (AgentHTTPResponse, Bool) {
        var reader = HTTPResponseReader(stream: ScriptedByteStream(text, step: step), limits: limits)
        let (response, reusable) = try reader.read(maxBodyBytes: max)
        return (response, reusable)
    }

    @Test(arguments: [1, 3, 7, 4096])
    func chunkedBodyWithExtensionsAndTrailers(step: Int) throws {
        let text =
            "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n"
            + "5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n"
        let (response, reusable) = try read(text, step: step)
        #expect(response.status == 201 && response.text == "hello 0123456789" && reusable)
        #expect(response.header("X-A") == "b")
    }

    @Test(arguments: [1, 5, 4096])
    func interimAnswersAreSkippedAndHTTP10EndsAtClose(step: Int) throws {
        let (response, reusable) = try read(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end", step: step)
        #expect(response.status == 200 && response.text == "to the end" && !reusable)
    }

    @Test func connectionCloseIsHonouredAndBareLineFeedsRead() throws {
        let (response, reusable) = try read(
            "HTTP/1.1 401 Unauthorized\nConnection: close\nContent-Length: 4\n\nnope", step: 2)
        #expect(response.status == 401 && response.text == "nope" && !reusable)
    }

    @Test(arguments: [7, 1000, 65_537])
    func largeBodiesCrossTheBufferCompaction(step: Int) throws {
        let body = (0..<200_000).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        let sized = "HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\n\r\n" + String(decoding: body, as: UTF8.self)
        #expect(try read(sized, step: step).0.body == body)
        var chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        for start in stride(from: 0, to: body.count, by: 999) {
            let piece = body[start..<min(start + 999, body.count)]
            chunked += String(piece.count, radix: 16) + "\r\n" + String(decoding: piece, as: UTF8.self) + "\r\n"
        }
        chunked += "0\r\n\r\n"
        #expect(try read(chunked, step: step).0.body == body)
    }

    @Test func refusals() {
        let endpoint = "scripted:1"
        #expect(throws: AgentHTTPError.malformedResponse(endpoint: endpoint, reason: "status line SSH-2.0-OpenSSH")) {
            _ = try read("SSH-2.0-OpenSSH\r\n", step: 100)
        }
        #expect(throws: AgentHTTPError.connectionClosed(endpoint: endpoint, step: "in the response body")) {
            _ = try read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", step: 100)
        }
        #expect(throws: AgentHTTPError.responseTooLarge(endpoint: endpoint, limit: 4)) {
            _ = try read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", step: 100, max: 4)
        }
        #expect(throws: AgentHTTPError.responseTooLarge(endpoint: endpoint, limit: 4)) {
            _ = try read(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", step: 3,
                max: 4)
        }
        #expect(throws: AgentHTTPError.malformedResponse(endpoint: endpoint, reason: "chunk size zz")) {
            _ = try read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", step: 100)
        }
        #expect(throws: AgentHTTPError.malformedResponse(endpoint: endpoint, reason: "a line over 64 KiB")) {
            _ = try read("HTTP/1.1 200 OK\r\nX-Long: " + String(repeating: "x", count: 70_000) + "\r\n\r\n", step: 4096)
        }
        #expect(throws: AgentHTTPError.connectionClosed(endpoint: endpoint, step: "before the response")) {
            _ = try read("", step: 1)
        }
    }
}

/// URL parsing and request serialisation of the agent's HTTP client.
@Suite(.timeLimit(.minutes(1))) struct HTTPRequestWriterTests {
    @Test func targetsParseHostsPortsAndPaths() throws {
        let v6 = try HTTPTarget(url: "https://[::1]:8443/sonar/ps?cluster=fox")
        #expect(v6.host == "::1" && v6.port == 8443 && v6.pathAndQuery == "/sonar/ps?cluster=fox" && v6.secure)
        #expect(v6.endpoint == "[::1]:8443" && v6.hostHeader == "[::1]:8443" && v6.hostIsIPAddress)
        let plain = try HTTPTarget(url: "HTTP://receiver.example?x=1")
        #expect(
            !plain.secure && plain.port == 80 && plain.pathAndQuery == "/?x=1" && plain.hostHeader == "receiver.example"
        )
        #expect(!plain.hostIsIPAddress)
        #expect(try HTTPTarget(url: "https://10.0.0.1").hostIsIPAddress)
        for bad in [
            "ftp://x/", "https://", "https://user:pw@host/", "https://host:0/", "https://host:99999/", "https://[::1/",
        ] {
            #expect(throws: AgentHTTPError.invalidURL(bad)) { try HTTPTarget(url: bad) }
        }
    }

    @Test func requestHasHostLengthAndNoInjectedLines() throws {
        let target = try HTTPTarget(url: "https://receiver:8443/sysinfo?cluster=fox")
        let request = AgentHTTPRequest(
            method: "POST", url: "unused",
            headers: [("Authorization", "Basic eA=="), ("X-Evil", "a\r\nInjected: yes"), ("Content-Length", "999")],
            body: Array("{}".utf8))
        let text = String(decoding: HTTPRequestWriter.serialize(request, target: target), as: UTF8.self)
        #expect(
            text
                == "POST /sysinfo?cluster=fox HTTP/1.1\r\nHost: receiver:8443\r\nContent-Length: 2\r\n"
                + "Authorization: Basic eA==\r\n\r\n{}")
    }
}
