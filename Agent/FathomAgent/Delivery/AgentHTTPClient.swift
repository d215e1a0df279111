import FathomShared
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The agent's one HTTP/1.1 client, shared by both uploaders
/// (``ReceiverClient`` for samples and sysinfo, ``EsmondArchiveClient`` for measurement records):
/// keep-alive connections per host (``HTTPConnectionPool``), TLS 1.2+ verified against the
/// operator's private CA or the system roots, an optional client certificate, every wait bounded,
/// redirects refused. TLS is the system OpenSSL's, in this process or, for the daemon, in a
/// short-lived relay process per connection (``TLSPlacement``), so the daemon never maps OpenSSL.
/// Each request runs on a thread of its own (``BlockingWork``), never on the cooperative pool. Whoever makes it shuts it down, once, after the uploaders' last use.
///
/// ```swift
/// let http = try AgentHTTPClient(caFile: "/etc/fathom/ca.pem")
/// let client = try ReceiverClient(endpoint: endpoint, http: http)
/// let archive = try EsmondArchiveClient(baseURL: url, token: token, http: http)
/// try await http.shutdown()
/// ```
public final class AgentHTTPClient: Sendable {
    private let caFile: String?
    private let clientCertificate: (chain: String, key: String)?
    private let placement: TLSPlacement
    /// In process only: made on the first HTTPS request (or at once when the operator named files, to
    /// report them early).
    private let tls = Mutex<OpenSSLClientContext?>(nil)
    private let pool = HTTPConnectionPool()
    /// Bound on connecting and on the TLS handshake.
    let connectTimeout: Duration = .seconds(10)
    /// Bound on each wait for the server while the request is sent and the answer read.
    let readTimeout: Duration

    /// `caFile`: PEM file with the private CA that signed the receiver's certificate; nil trusts
    /// the system roots. `clientCertificate`/`clientKey`: PEM files of a certificate the client
    /// shows when the server asks. Each request also has its own overall deadline. `tls`: where TLS
    /// runs; a relay checks here only that the files can be read (OpenSSL, which parses them, is
    /// never loaded here), and reports a file OpenSSL refuses on the first HTTPS request.
    public init(
        caFile: String?, clientCertificate: String? = nil, clientKey: String? = nil, readTimeoutSeconds: Int64 = 60,
        tls placement: TLSPlacement = .inProcess
    ) throws(AgentHTTPError) {
        self.caFile = caFile
        if let clientCertificate {
            self.clientCertificate = (clientCertificate, clientKey ?? clientCertificate)
        } else {
            self.clientCertificate = nil
        }
        readTimeout = .seconds(readTimeoutSeconds)
        self.placement = placement
        switch placement {
        case .inProcess:
            if caFile != nil || clientCertificate != nil {
                _ = try tlsContext()
            }
        case .relay:
            if let caFile { try Self.checkReadable(caFile, what: "CA file") }
            if let (chain, key) = self.clientCertificate {
                try Self.checkReadable(chain, what: "client certificate")
                try Self.checkReadable(key, what: "client key")
            }
        }
    }

    /// Sends `request` and returns the whole answer; a 3xx answer throws
    /// ``AgentHTTPError/redirectRefused(url:status:location:)``.
    public func execute(_ request: AgentHTTPRequest, timeoutSeconds: Int64, maxBodyBytes: Int)
        async throws(AgentHTTPError) -> AgentHTTPResponse
    {
        try await BlockingWork.run { () throws(AgentHTTPError) -> AgentHTTPResponse in
            try self.perform(request, timeout: .seconds(timeoutSeconds), maxBodyBytes: maxBodyBytes)
        }
    }

    /// Closes the idle connections; requests after this fail with ``AgentHTTPError/shutDown``.
    public func shutdown() async throws {
        // Closing a relayed connection waits for its relay to end: off the cooperative pool.
        await BlockingWork.run { [pool] in pool.shutdown() }
    }

    /// Closes the idle keep-alive connections (and so ends their TLS relays); the client stays
    /// usable. Off the cooperative pool: a relay is reaped with a bounded wait.
    public func closeIdleConnections() async {
        await BlockingWork.run { [pool] in pool.closeIdle() }
    }

    /// For a setup that fails after making the client and before any request.
    public func syncShutdown() throws {
        pool.shutdown()
    }

    /// The blocking request, on the calling thread.
    func perform(_ request: AgentHTTPRequest, timeout: Duration, maxBodyBytes: Int) throws(AgentHTTPError)
        -> AgentHTTPResponse
    {
        guard !pool.isShutDown else { throw .shutDown }
        Self.blockBrokenPipeSignal()
        let target = try HTTPTarget(url: request.url)
        let limits = HTTPWaitLimits(total: timeout, perWait: readTimeout)
        let bytes = HTTPRequestWriter.serialize(request, target: target)
        var response: AgentHTTPResponse?
        if let idle = pool.take(target.poolKey) {
            // nil: the server closed the idle connection first; a fresh one sends the request again
            // (uploads are idempotent: batch ids and esmond's metadata keys make a resend harmless).
            response = try exchange(
                bytes, on: idle, target: target, limits: limits, maxBodyBytes: maxBodyBytes, reused: true)
        }
        if response == nil {
            let stream = try connect(target, limits: limits)
            response = try exchange(
                bytes, on: stream, target: target, limits: limits, maxBodyBytes: maxBodyBytes, reused: false)
        }
        guard let response else { throw .connectionClosed(endpoint: target.endpoint, step: "before answering") }
        if (300...399).contains(response.status) && response.status != 304 {
            throw .redirectRefused(
                url: request.url, status: response.status, location: response.header("location") ?? "")
        }
        return response
    }

    private func connect(_ target: HTTPTarget, limits: HTTPWaitLimits) throws(AgentHTTPError) -> any HTTPByteStream {
        let connecting = limits.capped(at: connectTimeout)
        if target.secure, case .relay(let executable) = placement {
            let relay = TLSRelay(
                host: target.host, port: target.port, hostIsIPAddress: target.hostIsIPAddress, caFile: caFile,
                clientCertificateChain: clientCertificate?.chain, clientKey: clientCertificate?.key,
                perWait: connecting.perWait, within: ContinuousClock.now.duration(to: connecting.deadline),
                // Past the pool's own bound, so the pool, not the relay, decides when an idle one goes.
                idleLimit: pool.idleTimeout + .seconds(5))
            return try RelayedTLSConnection.open(
                relay, executable: executable, endpoint: target.endpoint, limits: connecting)
        }
        let tcp = try TCPStreamConnection.connect(host: target.host, port: target.port, limits: connecting)
        guard target.secure else { return tcp }
        let context: OpenSSLClientContext
        do { context = try tlsContext() } catch {
            tcp.close()
            throw error
        }
        return try TLSStreamConnection.handshake(
            over: tcp, host: target.host, hostIsIPAddress: target.hostIsIPAddress, context: context,
            limits: connecting)
    }

    /// One request and its answer on `stream`; nil when a reused connection turned out closed by the
    /// server before any byte of an answer came back.
    private func exchange(
        _ bytes: [UInt8], on stream: any HTTPByteStream, target: HTTPTarget, limits: HTTPWaitLimits,
        maxBodyBytes: Int, reused: Bool
    ) throws(AgentHTTPError) -> AgentHTTPResponse? {
        var reader = HTTPResponseReader(stream: stream, limits: limits)
        do {
            try stream.write(bytes, limits: limits)
            let (response, reusable) = try reader.read(maxBodyBytes: maxBodyBytes)
            if reusable { pool.put(stream, key: target.poolKey) } else { stream.close() }
            return response
        } catch {
            stream.close()
            if case .connectionClosed = error, !reader.receivedAny, reused { return nil }
            throw error
        }
    }

    private func tlsContext() throws(AgentHTTPError) -> OpenSSLClientContext {
        try tls.withLock { (context: inout OpenSSLClientContext?) throws(AgentHTTPError) -> OpenSSLClientContext in
            if let context { return context }
            let made = try OpenSSLClientContext(caFile: caFile, clientCertificate: clientCertificate)
            context = made
            return made
        }
    }

    /// The file opens and yields its first byte: a missing or unreadable file is reported when the
    /// client is made, as OpenSSL in process would.
    private static func checkReadable(_ path: String, what: String) throws(AgentHTTPError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .tlsSetup("cannot read \(what) \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var byte: UInt8 = 0
        var n = Glibc.read(fd, &byte, 1)
        while n < 0 && errno == EINTR { n = Glibc.read(fd, &byte, 1) }
        if n < 0 { throw .tlsSetup("cannot read \(what) \(path): \(String(cString: strerror(errno)))") }
        if n == 0 { throw .tlsSetup("cannot read \(what) \(path): the file is empty") }
    }

    /// A write to a connection the server closed raises SIGPIPE, whose default action ends the
    /// process. Blocked on this request's own thread (OpenSSL writes with plain `write`), so the
    /// write fails with EPIPE instead; the thread ends with the request.
    private static func blockBrokenPipeSignal() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }
}
