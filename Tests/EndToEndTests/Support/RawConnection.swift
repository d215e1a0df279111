import FathomTestSupport
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// A client connection that sends exactly the bytes a test gives it, with or without TLS, and
/// notices when the server closes it: the slow, silent and half-finished clients a server meets.
///
/// ```swift
/// let c = try await RawConnection.open(port: port, tls: true)
/// try await c.send("GET /ping HTTP/1.0\r\n\r\n")
/// let closedAfter = await c.waitForClose(within: .seconds(10))   // nil: still open
/// ```
final class RawConnection: Sendable {
    let channel: any Channel
    private let sink: Sink

    /// What the server sent, and whether the TLS handshake finished.
    final class Sink: Sendable {
        let bytes = Mutex<[UInt8]>([])
        let handshakeDone = Mutex(false)
        /// The server ended its side: TLS close_notify or TCP FIN (the socket may still be open).
        let serverClosed = Mutex(false)
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let sink: Sink
        init(sink: Sink) { self.sink = sink }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            sink.bytes.withLock { $0 += buffer.readableBytesView }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .handshakeCompleted = event as? TLSUserEvent { sink.handshakeDone.withLock { $0 = true } }
            if case .inputClosed = event as? ChannelEvent {
                sink.serverClosed.withLock { $0 = true }
                context.close(promise: nil)
            }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            sink.serverClosed.withLock { $0 = true }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    private init(channel: any Channel, sink: Sink) {
        self.channel = channel
        self.sink = sink
    }

    /// Connects to 127.0.0.1:`port`; with `tls` the handshake starts at once (no certificate check:
    /// these tests are about connection handling, not trust).
    static func open(port: Int, tls: Bool) async throws -> RawConnection {
        let sink = Sink()
        let context: NIOSSLContext? =
            tls
            ? try {
                var config = TLSConfiguration.makeClientConfiguration()
                config.certificateVerification = .none
                return try NIOSSLContext(configuration: config)
            }() : nil
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            // Half-closure lets the connection report the server's close_notify or FIN at once,
            // instead of when TLS's own shutdown finishes.
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: context, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(Collector(sink: sink))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, sink: sink)
    }

    var received: String { String(decoding: sink.bytes.withLock { $0 }, as: UTF8.self) }
    /// Neither side has closed.
    var isOpen: Bool { channel.isActive && !sink.serverClosed.withLock { $0 } }

    /// Waits (polling) until the TLS handshake finished; false when it did not within `limit`.
    func waitForHandshake(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if sink.handshakeDone.withLock({ $0 }) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    /// How long after the call the server closed its side, or nil if it stayed open for `limit`.
    func waitForClose(within limit: Duration) async -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            if !isOpen { return ContinuousClock.now - start }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return isOpen ? nil : ContinuousClock.now - start
    }

    func close() async {
        try? await channel.close()
    }
}

/// CPU time (user + system) a process has used, from /proc/<pid>/stat, in seconds.
func processCPUSeconds(_ pid: Int32) -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return nil }
    // Fields after the command name start at field 3 (state); utime and stime are fields 14 and 15.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}
