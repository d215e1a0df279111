#if canImport(Glibc)
    import Glibc
#endif

/// One HTTPS connection's TLS, run by `fathom-agent tls-relay` in a child of the daemon so that
/// the daemon never loads OpenSSL (``TLSPlacement/relay(executable:)``). The relay's descriptor
/// (its stdin) is one end of a socket pair whose other end the daemon holds
/// (``RelayedTLSConnection``). It connects and runs the handshake exactly as the in-process client
/// does, writes one ``TLSRelayStatus`` line, then carries bytes both ways until either side closes,
/// or nothing moved for `idleLimit`, and returns: the relay never outlives its connection.
///
/// ```swift
/// let relay = TLSRelay(host: "receiver", port: 8443, hostIsIPAddress: false, caFile: nil,
///                      clientCertificate: nil, perWait: .seconds(10), within: .seconds(10), idleLimit: .seconds(125))
/// relay.serve(descriptor: 0)
/// ```
public struct TLSRelay: Sendable, Equatable {
    public let host: String
    public let port: UInt16
    /// True for a numeric address: no SNI, the certificate must name the IP.
    public let hostIsIPAddress: Bool
    public let caFile: String?
    /// PEM certificate chain and private key shown to a server that asks.
    public let clientCertificateChain: String?
    public let clientKey: String?
    /// Bound on each wait while connecting and in the handshake.
    public let perWait: Duration
    /// Bound on connecting and the handshake together.
    public let within: Duration
    /// The relay ends after this long with no byte in either direction.
    public let idleLimit: Duration

    public init(
        host: String, port: UInt16, hostIsIPAddress: Bool, caFile: String?, clientCertificateChain: String?,
        clientKey: String?, perWait: Duration, within: Duration, idleLimit: Duration
    ) {
        self.host = host
        self.port = port
        self.hostIsIPAddress = hostIsIPAddress
        self.caFile = caFile
        self.clientCertificateChain = clientCertificateChain
        self.clientKey = clientKey
        self.perWait = perWait
        self.within = within
        self.idleLimit = idleLimit
    }

    /// The command line after the executable: `tls-relay` and the options its command declares.
    var arguments: [String] {
        var arguments = [
            "tls-relay", "--host", host, "--port", "\(port)", "--wait-ms", "\(Self.milliseconds(perWait))",
            "--within-ms", "\(Self.milliseconds(within))", "--idle-ms", "\(Self.milliseconds(idleLimit))",
        ]
        if hostIsIPAddress { arguments.append("--ip-address") }
        if let caFile { arguments += ["--ca-file", caFile] }
        if let clientCertificateChain { arguments += ["--client-cert", clientCertificateChain] }
        if let clientKey { arguments += ["--client-key", clientKey] }
        return arguments
    }

    /// Runs the relay on `descriptor` and returns when the connection is over; closes `descriptor`.
    public func serve(descriptor: Int32) {
        // A write to a closed peer fails with EPIPE instead of ending the relay; a stop signal sent
        // to the whole service does not cut the daemon's last send short: the relay ends when the
        // daemon closes its end (or exits).
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP] { Glibc.signal(signal, SIG_IGN) }
        let daemon = TCPStreamConnection(adopting: descriptor, endpoint: "the agent")
        defer { daemon.close() }
        let tls: TLSStreamConnection
        do {
            tls = try connect()
        } catch {
            try? daemon.write(TLSRelayStatus.line(for: error), limits: idleLimits)
            return
        }
        defer { tls.close() }
        do { try daemon.write(TLSRelayStatus.line(for: nil), limits: idleLimits) } catch { return }
        carry(between: daemon, and: tls)
    }

    /// The context first, then the connection, as ``AgentHTTPClient`` does in process, so the same
    /// failure is reported first.
    private func connect() throws(AgentHTTPError) -> TLSStreamConnection {
        let limits = HTTPWaitLimits(total: within, perWait: perWait)
        let chain = clientCertificateChain.map { (chain: $0, key: clientKey ?? $0) }
        let context = try OpenSSLClientContext(caFile: caFile, clientCertificate: chain)
        let tcp = try TCPStreamConnection.connect(host: host, port: port, limits: limits)
        return try TLSStreamConnection.handshake(
            over: tcp, host: host, hostIsIPAddress: hostIsIPAddress, context: context, limits: limits)
    }

    private var idleLimits: HTTPWaitLimits { HTTPWaitLimits(total: idleLimit, perWait: idleLimit) }

    /// Polls both sides; what one sends goes to the other whole. Ends on a close, an error or idleness.
    private func carry(between daemon: TCPStreamConnection, and tls: TLSStreamConnection) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        var tlsEvents = Int16(POLLIN)
        while true {
            let buffered = tls.hasBufferedBytes
            var fds = [
                pollfd(fd: daemon.fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: tls.socket, events: tlsEvents, revents: 0),
            ]
            let ready = poll(&fds, 2, buffered ? 0 : SocketPoll.milliseconds(idleLimit))
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if ready == 0 && !buffered { return }
            do throws(AgentHTTPError) {
                if fds[0].revents != 0 {
                    let n = try daemon.read(into: buffer, limits: idleLimits)
                    if n == 0 { return }
                    try tls.write(Array(UnsafeRawBufferPointer(rebasing: buffer[..<n])), limits: idleLimits)
                }
                if fds[1].revents != 0 || buffered {
                    switch try tls.attemptRead(into: buffer) {
                    case .bytes(0): return
                    case .bytes(let n):
                        tlsEvents = Int16(POLLIN)
                        try daemon.write(Array(UnsafeRawBufferPointer(rebasing: buffer[..<n])), limits: idleLimits)
                    case .wantRead: tlsEvents = Int16(POLLIN)
                    case .wantWrite: tlsEvents = Int16(POLLOUT)
                    }
                }
            } catch {
                return
            }
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
