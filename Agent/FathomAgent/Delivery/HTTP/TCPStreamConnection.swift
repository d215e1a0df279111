import Glibc

/// A non-blocking TCP connection to an upload target, every wait bounded by ``HTTPWaitLimits``.
/// Tries each address of the host in `getaddrinfo`'s order; a refused connection is not retried
/// (the spool's backoff and the next receiver of the list do that), so it fails at once.
///
/// ```swift
/// let tcp = try TCPStreamConnection.connect(host: "receiver", port: 8443, limits: limits)
/// try tcp.write(Array("GET / HTTP/1.1\r\n\r\n".utf8), limits: limits)
/// ```
final class TCPStreamConnection: HTTPByteStream {
    let fd: Int32
    let endpoint: String

    private init(fd: Int32, endpoint: String) {
        self.fd = fd
        self.endpoint = endpoint
    }

    static func connect(host: String, port: UInt16, limits: HTTPWaitLimits) throws(AgentHTTPError)
        -> TCPStreamConnection
    {
        let endpoint = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = status == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(status))
            throw .nameResolution(host: host, reason: reason)
        }
        defer { freeaddrinfo(list) }
        var failure = AgentHTTPError.connectionRefused(endpoint: endpoint)
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            do throws(AgentHTTPError) {
                return try connect(info.pointee, endpoint: endpoint, limits: limits)
            } catch {
                // A refusal from one address does not hide a timeout or another failure from the next.
                if case .connectionRefused = error { continue }
                failure = error
            }
        }
        throw failure
    }

    private static func connect(_ info: addrinfo, endpoint: String, limits: HTTPWaitLimits) throws(AgentHTTPError)
        -> TCPStreamConnection
    {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = socket(info.ai_family, type, 0)
        guard fd >= 0 else { throw .connectFailed(endpoint: endpoint, reason: String(cString: strerror(errno))) }
        let connection = TCPStreamConnection(fd: fd, endpoint: endpoint)
        if Glibc.connect(fd, info.ai_addr, info.ai_addrlen) != 0 {
            var code = errno
            if code == EINPROGRESS {
                do throws(AgentHTTPError) {
                    try limits.wait(fd: fd, for: Int16(POLLOUT), endpoint: endpoint, step: "connecting")
                } catch {
                    connection.close()
                    throw error
                }
                var length = socklen_t(MemoryLayout<Int32>.size)
                code = 0
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
            }
            if code != 0 {
                connection.close()
                if code == ECONNREFUSED { throw .connectionRefused(endpoint: endpoint) }
                throw .connectFailed(endpoint: endpoint, reason: String(cString: strerror(code)))
            }
        }
        // Requests are written whole; do not hold their last segment back for an acknowledgement.
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return connection
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, limits: HTTPWaitLimits) throws(AgentHTTPError) -> Int {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if n >= 0 { return n }
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK || code == EINTR {
                try limits.wait(fd: fd, for: Int16(POLLIN), endpoint: endpoint, step: "reading the response")
                continue
            }
            if code == ECONNRESET { throw .connectionClosed(endpoint: endpoint, step: "while reading the response") }
            throw .io(endpoint: endpoint, step: "reading", reason: String(cString: strerror(code)))
        }
    }

    func write(_ bytes: [UInt8], limits: HTTPWaitLimits) throws(AgentHTTPError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if n >= 0 {
                offset += n
                continue
            }
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK || code == EINTR {
                try limits.wait(fd: fd, for: Int16(POLLOUT), endpoint: endpoint, step: "sending the request")
                continue
            }
            if code == EPIPE || code == ECONNRESET {
                throw .connectionClosed(endpoint: endpoint, step: "while sending the request")
            }
            throw .io(endpoint: endpoint, step: "sending", reason: String(cString: strerror(code)))
        }
    }

    var isReusable: Bool {
        // Readable while idle means a FIN, a reset or an unasked byte: none leaves room for a request.
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) == 0
    }

    func close() {
        Glibc.close(fd)
    }
}
