import FathomShared

/// Reads one HTTP/1.1 response (RFC 9112) from an ``HTTPByteStream``: the status line, the header
/// fields (at most 256, each line at most 64 KiB), interim 1xx answers skipped, and a body framed by
/// `Transfer-Encoding: chunked`, by `Content-Length`, or by the end of the connection.
/// Says whether the connection may carry another request.
///
/// ```swift
/// var reader = HTTPResponseReader(stream: stream, limits: limits)
/// let (response, reusable) = try reader.read(maxBodyBytes: 64 * 1024)
/// ```
struct HTTPResponseReader {
    static let maxLineBytes = 64 * 1024
    static let maxHeaderFields = 256

    private let stream: any HTTPByteStream
    private let limits: HTTPWaitLimits
    private var buffer: [UInt8] = []
    /// What one read fills; its bytes are then appended to `buffer`.
    private var scratch = [UInt8](repeating: 0, count: 16 * 1024)
    private var start = 0
    /// False until the first byte arrives: a reused connection the server had closed ends before it.
    private(set) var receivedAny = false

    init(stream: any HTTPByteStream, limits: HTTPWaitLimits) {
        self.stream = stream
        self.limits = limits
    }

    /// The response and whether the connection stays usable after it.
    mutating func read(maxBodyBytes: Int) throws(AgentHTTPError) -> (AgentHTTPResponse, reusable: Bool) {
        var (version, status) = try readStatusLine()
        var headers = try readHeaders()
        while (100...199).contains(status) && status != 101 {
            (version, status) = try readStatusLine()
            headers = try readHeaders()
        }
        func values(_ name: String) -> [String] { headers.filter { $0.name == name }.map(\.value) }
        // The comma-separated tokens of every `name` header, lowercased (an RFC 9110 list).
        func tokens(_ name: String) -> [String] {
            values(name).flatMap { $0.split(separator: ",") }.map { String($0).trimmingWhitespace().lowercased() }
        }
        let connection = tokens("connection")
        var reusable =
            version == "HTTP/1.1" ? !connection.contains("close") : connection.contains("keep-alive")
        let body: [UInt8]
        if status == 204 || status == 304 {
            body = []
        } else if tokens("transfer-encoding").contains("chunked") {
            body = try readChunked(maxBodyBytes: maxBodyBytes)
        } else if let lengthText = values("content-length").first {
            guard let length = Int(lengthText.trimmingWhitespace()), length >= 0 else {
                throw .malformedResponse(endpoint: stream.endpoint, reason: "Content-Length \(lengthText)")
            }
            guard length <= maxBodyBytes else {
                throw .responseTooLarge(endpoint: stream.endpoint, limit: maxBodyBytes)
            }
            body = try readExactly(length, step: "in the response body")
        } else {
            body = try readToEnd(maxBodyBytes: maxBodyBytes)
            reusable = false
        }
        return (AgentHTTPResponse(status: status, headers: headers, body: body), reusable)
    }

    private mutating func readStatusLine() throws(AgentHTTPError) -> (String, Int) {
        let line = try readLine(step: "before the response")
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]) else {
            throw .malformedResponse(endpoint: stream.endpoint, reason: "status line \(line.prefix(80))")
        }
        return (String(parts[0]), status)
    }

    private mutating func readHeaders() throws(AgentHTTPError) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        while true {
            let line = try readLine(step: "in the response header")
            if line.isEmpty { return headers }
            guard headers.count < Self.maxHeaderFields else {
                throw .malformedResponse(
                    endpoint: stream.endpoint, reason: "over \(Self.maxHeaderFields) header fields")
            }
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw .malformedResponse(endpoint: stream.endpoint, reason: "header line \(line.prefix(80))")
            }
            let name = line[..<colon].lowercased()
            headers.append((name, String(line[line.index(after: colon)...]).trimmingWhitespace()))
        }
    }

    private mutating func readChunked(maxBodyBytes: Int) throws(AgentHTTPError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try readLine(step: "in a chunked body")
            let sizeText = line.split(separator: ";", maxSplits: 1).first.map { String($0).trimmingWhitespace() } ?? ""
            guard !sizeText.isEmpty, sizeText.count <= 15, let size = Int(sizeText, radix: 16) else {
                throw .malformedResponse(endpoint: stream.endpoint, reason: "chunk size \(line.prefix(40))")
            }
            if size == 0 { break }
            guard body.count + size <= maxBodyBytes else {
                throw .responseTooLarge(endpoint: stream.endpoint, limit: maxBodyBytes)
            }
            body += try readExactly(size, step: "in a chunked body")
            guard try readLine(step: "in a chunked body").isEmpty else {
                throw .malformedResponse(endpoint: stream.endpoint, reason: "chunk longer than its size")
            }
        }
        // Trailer fields, if any, up to the empty line that ends the message.
        while !(try readLine(step: "in the chunked body's trailer")).isEmpty {}
        return body
    }

    private mutating func readExactly(_ count: Int, step: String) throws(AgentHTTPError) -> [UInt8] {
        while buffer.count - start < count {
            guard try fill() else { throw .connectionClosed(endpoint: stream.endpoint, step: step) }
        }
        let bytes = Array(buffer[start..<start + count])
        start += count
        return bytes
    }

    private mutating func readToEnd(maxBodyBytes: Int) throws(AgentHTTPError) -> [UInt8] {
        while try fill() {
            if buffer.count - start > maxBodyBytes {
                throw .responseTooLarge(endpoint: stream.endpoint, limit: maxBodyBytes)
            }
        }
        let bytes = Array(buffer[start...])
        start = buffer.count
        return bytes
    }

    /// One line without its CR LF (a bare LF is accepted too).
    private mutating func readLine(step: String) throws(AgentHTTPError) -> String {
        // Counted from `start`, which `fill()` moves when it compacts the buffer.
        var scanned = 0
        while true {
            if let newline = buffer[(start + scanned)...].firstIndex(of: 10) {
                var end = newline
                if end > start && buffer[end - 1] == 13 { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                return line
            }
            scanned = buffer.count - start
            guard buffer.count - start <= Self.maxLineBytes else {
                throw .malformedResponse(endpoint: stream.endpoint, reason: "a line over 64 KiB")
            }
            guard try fill() else { throw .connectionClosed(endpoint: stream.endpoint, step: step) }
        }
    }

    /// Reads more bytes into the buffer; false at the end of the stream.
    private mutating func fill() throws(AgentHTTPError) -> Bool {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 64 * 1024 {
            buffer.removeFirst(start)
            start = 0
        }
        let stream = self.stream
        let limits = self.limits
        let result: Result<Int, AgentHTTPError> = scratch.withUnsafeMutableBytes { raw in
            do throws(AgentHTTPError) {
                return .success(try stream.read(into: raw, limits: limits))
            } catch {
                return .failure(error)
            }
        }
        let n = try result.get()
        buffer.append(contentsOf: scratch[0..<n])
        if n > 0 { receivedAny = true }
        return n > 0
    }
}
