import FathomTestSupport
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// `hostile` section: `connections` TLS clients finish their handshake, then send a request head
/// one byte a second (slowloris). Prints how many the receiver closed within its header timeout
/// (judged from each connection's first byte, plus one second of slack for the client noticing)
/// and `/ping`'s latency on a separate keep-alive connection meanwhile.
enum HostileSlowloris {
    static let pingP99BarMilliseconds = 50.0
    static let head = Array("GET /ping HTTP/1.1\r\nHost: receiver\r\nUser-Agent: slow\r\n\r\n".utf8)

    /// When one connection sent its first byte and when the server closed it.
    final class Record: Sendable {
        let firstByte = Mutex<ContinuousClock.Instant?>(nil)
        let closed = Mutex<ContinuousClock.Instant?>(nil)
        let handshake = Mutex(false)
    }

    /// Trickles `head` one byte a second once `start` is called; notes the server's close.
    final class Trickle: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let record: Record
        private var next = 0
        private var context: ChannelHandlerContext?

        init(record: Record) { self.record = record }

        func handlerAdded(context: ChannelHandlerContext) { self.context = context }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .handshakeCompleted = event as? TLSUserEvent { record.handshake.withLock { $0 = true } }
            if case .inputClosed = event as? ChannelEvent { closedNow(context) }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            record.closed.withLock { $0 = $0 ?? .now }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { closedNow(context) }

        private func closedNow(_ context: ChannelHandlerContext) {
            record.closed.withLock { $0 = $0 ?? .now }
            context.close(promise: nil)
        }

        /// Called on the channel's event loop.
        func sendNextByte() {
            guard let context, context.channel.isActive, record.closed.withLock({ $0 == nil }),
                next < HostileSlowloris.head.count
            else { return }
            if next == 0 { record.firstByte.withLock { $0 = .now } }
            context.writeAndFlush(NIOAny(ByteBuffer(bytes: [HostileSlowloris.head[next]])), promise: nil)
            next += 1
            context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { self.sendNextByte() }
        }
    }

    static func run(scratch: TempDirectory, connections: Int, headerTimeout: Double) async throws {
        print(
            "-- \(connections) slowloris TLS connections (one byte a second), header timeout \(fmt(headerTimeout, 1)) s --"
        )
        let child = try ReceiverChild.start(
            in: scratch, name: "slowloris", credentials: "fox:fox-secret\n",
            flags: [
                "--header-timeout", "\(headerTimeout)", "--handshake-timeout", "120", "--idle-timeout", "120",
                "--max-connections", "\(connections + 64)",
            ])
        defer { child.stop() }
        var config = TLSConfiguration.makeClientConfiguration()
        config.certificateVerification = .none
        let tls = try NIOSSLContext(configuration: config)
        var clients: [(any Channel, Trickle)] = []
        let setupStart = ContinuousClock.now
        for batchStart in stride(from: 0, to: connections, by: 100) {
            let batch = try await withThrowingTaskGroup(of: (any Channel, Trickle).self) { group in
                for _ in batchStart..<min(connections, batchStart + 100) {
                    group.addTask { try await connect(port: child.port, tls: tls) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            clients += batch
        }
        // Untimed: wait for every handshake, so what follows is the header phase only.
        let handshakeDeadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < handshakeDeadline,
            clients.contains(where: {
                !$0.1.record.handshake.withLock { $0 } && $0.1.record.closed.withLock { $0 == nil }
            })
        {
            try await Task.sleep(for: .milliseconds(50))
        }
        print("connected and handshaken: \(clients.count) in \(fmt((ContinuousClock.now - setupStart).seconds, 1)) s")

        let probe = try HTTPProbe(caPath: child.caPath)
        _ = try? await probe.ping(child.baseURL)  // its own connection, made before the trickle starts
        for (channel, trickle) in clients { channel.eventLoop.execute { trickle.sendNextByte() } }
        let watch = ContinuousClock.now + .milliseconds(Int64((headerTimeout * 2 + 3) * 1000))
        let base = child.baseURL
        let pings = await probe.repeatedly(until: watch, pause: .milliseconds(20)) { try await probe.ping(base) }
        await probe.shutdown()

        var delays: [Double] = []
        var open = 0
        for (_, trickle) in clients {
            let first = trickle.record.firstByte.withLock { $0 }
            let closed = trickle.record.closed.withLock { $0 }
            if let first, let closed { delays.append((closed - first).seconds) } else if closed == nil { open += 1 }
        }
        for (channel, _) in clients { channel.close(promise: nil) }
        let within = delays.filter { $0 <= headerTimeout + 1 }.count
        let p = Percentiles(delays)
        print(
            "closed by the receiver: \(delays.count) of \(clients.count); within the header timeout (+1 s): \(within); "
                + "still open: \(open); close after first byte p50 \(fmt(p.value(at: 50), 2)) s, max \(fmt(p.max, 2)) s"
        )
        print("/ping meanwhile: \(pings.summary)")
        let p99 = Percentiles(pings.latencies).value(at: 99) * 1000
        print(
            "bar: all \(clients.count) closed within the header timeout: \(within) \(verdict(within == clients.count))")
        print(
            "bar: /ping p99 <= \(fmt(pingP99BarMilliseconds, 0)) ms: \(fmt(p99)) ms "
                + verdict(p99 <= pingP99BarMilliseconds && pings.latencies.count > 0))
    }

    private static func connect(port: Int, tls: NIOSSLContext) async throws -> (any Channel, Trickle) {
        let trickle = Trickle(record: Record())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(30))
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: tls, serverHostname: nil))
                    try channel.pipeline.syncOperations.addHandler(trickle)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return (channel, trickle)
    }
}
