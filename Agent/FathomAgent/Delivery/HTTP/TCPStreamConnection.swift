import Glibc

/// A non-blocking TCP connection to an upload target (or any connected stream socket it adopts), every wait bounded by ``HTTPWaitLimits``.
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

    /// Takes over `fd`, a connected stream socket (TCP, or the daemon's end of a TLS relay's
    /// socket pair), and closes it in ``close()``. `endpoint` names the peer in messages.
    init(adopting fd: Int32, endpoint: String) {
        self.fd = fd
        self.endpoint = endpoint
    }

    static func connect(host: String, port: UInt16, limits: HTTPWaitLimits) throws(AgentHTTPError)
        -> TCPStreamConnection
    {
        let endpoint = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var failure = AgentHTTPError.connectionRefused(endpoint: endpoint)
        for address in try resolve(host: host, port: port, limits: limits, endpoint: endpoint) {
            do throws(AgentHTTPError) {
                return try connect(address, endpoint: endpoint, limits: limits)
            } catch {
                // A refusal from one address does not hide a timeout or another failure from the next.
                if case .connectionRefused = error { continue }
                failure = error
            }
        }
        throw failure
    }

    /// One address `getaddrinfo` gave, as `sockaddr` bytes.
    private struct ResolvedAddress: Sendable {
        let family: Int32
        let bytes: [UInt8]
    }

    private enum Resolution: Sendable {
        case addresses([ResolvedAddress])
        case failure(String)
    }

    /// `getaddrinfo` on a thread of its own, waited for no longer than the connect bound: the
    /// resolver's own timeouts (seconds per server, per attempt) would otherwise decide.
    private static func resolve(host: String, port: UInt16, limits: HTTPWaitLimits, endpoint: String)
        throws(AgentHTTPError) -> [ResolvedAddress]
    {
        let bound = min(limits.perWait, ContinuousClock.now.duration(to: limits.deadline))
        let pending = ParallelLookup<Resolution>.start(
            [host], lookup: { _ in lookup(host: host, port: port) }, deadline: bound)
        switch pending.collect()[host] {
        case .addresses(let addresses)?:
            return addresses
        case .failure(let reason)?:
            throw .nameResolution(host: host, reason: reason)
        case nil:
            let seconds = Double(bound.components.seconds) + Double(bound.components.attoseconds) / 1e18
            throw .timeout(endpoint: endpoint, step: "resolving \(host)", seconds: (seconds * 10).rounded() / 10)
        }
    }

    private static func lookup(host: String, port: UInt16) -> Resolution {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, list != nil else {
            return .failure(
                status == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var addresses: [ResolvedAddress] = []
        var entry = list
        while let info = entry {
            entry = info.pointee.ai_next
            guard let address = info.pointee.ai_addr else { continue }
            let bytes = UnsafeRawBufferPointer(start: address, count: Int(info.pointee.ai_addrlen))
            addresses.append(ResolvedAddress(family: info.pointee.ai_family, bytes: Array(bytes)))
        }
        return addresses.isEmpty ? .failure("no address") : .addresses(addresses)
    }

    private static func connect(_ address: ResolvedAddress, endpoint: String, limits: HTTPWaitLimits)
        throws(AgentHTTPError) -> TCPStreamConnection
    {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = socket(address.family, type, 0)
        guard fd >= 0 else { throw .connectFailed(endpoint: endpoint, reason: String(cString: strerror(errno))) }
        let connection = TCPStreamConnection(adopting: fd, endpoint: endpoint)
        let started = address.bytes.withUnsafeBytes { raw in
            Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        if started != 0 {
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
