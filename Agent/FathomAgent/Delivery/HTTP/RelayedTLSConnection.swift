import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTPS connection whose TLS runs in a child process, a ``TLSRelay`` (`fathom-agent tls-relay`),
/// so that the daemon never loads OpenSSL: the daemon speaks plain HTTP over its end of a Unix
/// socket pair, the relay encrypts it to the server. The relay's first line says whether the connect
/// and handshake succeeded, or which ``AgentHTTPError`` they threw; the bytes then flow with the
/// same bounded waits as over TCP (the I/O is ``TCPStreamConnection``'s, on the socket pair).
/// ``close()`` closes the daemon's end, on which the relay ends, and reaps it (SIGKILL after a second).
///
/// ```swift
/// let stream = try RelayedTLSConnection.open(relay, executable: "/usr/bin/fathom-agent",
///                                            endpoint: "receiver:8443", limits: limits)
/// try stream.write(request, limits: limits)
/// ```
final class RelayedTLSConnection: HTTPByteStream {
    private let stream: TCPStreamConnection
    private let child: pid_t

    var endpoint: String { stream.endpoint }

    /// Time the relay has, past the connect deadline it was given, to start and write its status.
    static let startGrace: Duration = .seconds(2)
    /// Time a closed relay has to end before it is killed.
    static let endGrace: Duration = .seconds(1)

    private init(stream: TCPStreamConnection, child: pid_t) {
        self.stream = stream
        self.child = child
    }

    /// Starts `executable tls-relay …` for `relay` and waits for its status line: on success the
    /// connection is ready for a request; otherwise throws the relay's error (the relay is reaped).
    static func open(_ relay: TLSRelay, executable: String, endpoint: String, limits: HTTPWaitLimits)
        throws(AgentHTTPError) -> RelayedTLSConnection
    {
        var pair: [Int32] = [-1, -1]
        // Both ends close-on-exec, so no other child started meanwhile inherits them; the relay's end
        // becomes its stdin by `dup2`, which clears the flag on the copy.
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw .tlsSetup("cannot make a socket pair for the TLS relay: \(String(cString: strerror(errno)))")
        }
        let spawned = spawn(executable, [executable] + relay.arguments, stdin: pair[1])
        Glibc.close(pair[1])
        let child: pid_t
        switch spawned {
        case .success(let pid): child = pid
        case .failure(let code):
            Glibc.close(pair[0])
            throw .tlsSetup("cannot start the TLS relay \(executable): \(String(cString: strerror(code)))")
        }
        let connection = RelayedTLSConnection(
            stream: TCPStreamConnection(adopting: pair[0], endpoint: endpoint), child: child)
        do throws(AgentHTTPError) {
            try connection.readStatus(
                until: limits.deadline + startGrace, executable: executable)
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    private enum Spawned {
        case success(pid_t)
        case failure(Int32)
    }

    /// `posix_spawn` with `stdin` as the child's descriptor 0 and no signal blocked (the calling
    /// thread blocks SIGPIPE); stdout and stderr are the daemon's, no other descriptor is inherited.
    private static func spawn(_ executable: String, _ arguments: [String], stdin: Int32) -> Spawned {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        // Nothing else of the daemon's: a relay holds its socket pair end and the journal only.
        SpawnCloseFrom.add(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, &argv, environ)
        return code == 0 ? .success(pid) : .failure(code)
    }

    /// Reads the relay's one line (peeking, so not a byte past it is taken) and throws what it reports.
    private func readStatus(until deadline: ContinuousClock.Instant, executable: String) throws(AgentHTTPError) {
        let limits = HTTPWaitLimits(deadline: deadline, perWait: ContinuousClock.now.duration(to: deadline))
        var line: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: TLSRelayStatus.maxLineBytes)
        while true {
            try limits.wait(fd: stream.fd, for: Int16(POLLIN), endpoint: endpoint, step: "waiting for the TLS relay")
            let peeked = recv(stream.fd, &buffer, buffer.count, Int32(MSG_PEEK | MSG_DONTWAIT))
            if peeked < 0 {
                let code = errno
                if code == EAGAIN || code == EINTR { continue }
                throw .io(
                    endpoint: endpoint, step: "reading the TLS relay's status", reason: String(cString: strerror(code)))
            }
            if peeked == 0 {
                throw .tlsSetup("the TLS relay \(executable) for \(endpoint) ended without a status")
            }
            let newline = buffer[..<peeked].firstIndex(of: UInt8(ascii: "\n"))
            let take = newline.map { $0 + 1 } ?? peeked
            _ = recv(stream.fd, &buffer, take, Int32(MSG_DONTWAIT))
            line += buffer[..<(newline ?? take)]
            if newline != nil { break }
            guard line.count < TLSRelayStatus.maxLineBytes else {
                throw .tlsSetup("the TLS relay \(executable) for \(endpoint) wrote no status line")
            }
        }
        switch TLSRelayStatus.parse(String(decoding: line, as: UTF8.self)) {
        case .success?: return
        case .failure(let error)?: throw error
        case nil: throw .tlsSetup("the TLS relay \(executable) for \(endpoint) wrote no status line")
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, limits: HTTPWaitLimits) throws(AgentHTTPError) -> Int {
        try stream.read(into: buffer, limits: limits)
    }

    func write(_ bytes: [UInt8], limits: HTTPWaitLimits) throws(AgentHTTPError) {
        try stream.write(bytes, limits: limits)
    }

    /// Readable while idle means the relay ended (the server closed) or something came unasked.
    var isReusable: Bool { stream.isReusable }

    func close() {
        stream.close()
        reap()
    }

    /// Waits for the relay, which ends on the close; kills it if it has not within ``endGrace``.
    private func reap() {
        let deadline = ContinuousClock.now + Self.endGrace
        var status: Int32 = 0
        while true {
            let result = waitpid(child, &status, WNOHANG)
            if result == child || (result < 0 && errno != EINTR) { return }
            if result == 0 && ContinuousClock.now >= deadline {
                kill(child, SIGKILL)
                while waitpid(child, &status, 0) < 0 && errno == EINTR {}
                return
            }
            usleep(1000)
        }
    }
}
