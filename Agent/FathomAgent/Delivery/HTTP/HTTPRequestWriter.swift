/// Writes an ``AgentHTTPRequest`` as one HTTP/1.1 message (RFC 9112): request line, `Host`,
/// `Content-Length` (always, so the receiver never has to guess), the caller's fields, the body.
/// A field with CR or LF in it is dropped rather than let split the message.
///
/// ```swift
/// let bytes = HTTPRequestWriter.serialize(request, target: target)
/// try stream.write(bytes, limits: limits)
/// ```
enum HTTPRequestWriter {
    static func serialize(_ request: AgentHTTPRequest, target: HTTPTarget) -> [UInt8] {
        var head = "\(request.method) \(target.pathAndQuery) HTTP/1.1\r\n"
        head += "Host: \(target.hostHeader)\r\n"
        head += "Content-Length: \(request.body.count)\r\n"
        for (name, value) in request.headers where Self.isSafe(name) && Self.isSafe(value) {
            let lower = name.lowercased()
            if lower == "host" || lower == "content-length" || lower == "transfer-encoding" { continue }
            head += "\(name): \(value)\r\n"
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
        bytes.append(contentsOf: request.body)
        return bytes
    }

    private static func isSafe(_ text: String) -> Bool {
        !text.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 }
    }
}
