import CRabbitMQ

#if canImport(Glibc)
    import Glibc
#endif

/// One AMQP 0-9-1 connection to RabbitMQ through rabbitmq-c, with publisher confirms: a
/// message counts as sent only when the broker has acknowledged it (`basic.ack`), so the caller
/// advances its cursor after ``publish(_:timeout:)`` returns and never before.
///
/// Opening it connects (TCP or TLS with peer and host-name verification against `ca_file`),
/// logs in (PLAIN), opens channel 1, turns on confirms and declares the exchange (durable,
/// `topic`; an existing one of another type is an error the broker names). Every wait has a
/// deadline. Blocking: run it with `BlockingWork`, one call at a time (rabbitmq-c is not
/// thread-safe; calls in turn from different threads are fine). Heartbeats are serviced while it
/// publishes or ``idle(for:)`` waits.
///
/// ```swift
/// let publisher = try AMQPPublisher(forward, password: try forward.password())
/// try publisher.publish([AMQPMessage(routingKey: "perfsonar.raw.throughput", id: "…", body: bytes)])
/// publisher.close()
/// ```
public final class AMQPPublisher: @unchecked Sendable {
    private let connection: amqp_connection_state_t
    private let exchange: [UInt8]
    private var nextTag: UInt64 = 1
    private var open = true
    static let channel: amqp_channel_t = 1

    /// Connects, logs in, opens the channel with confirms and declares the exchange.
    public init(_ forward: ForwardSettings, password: String, timeout: Duration = .seconds(10)) throws(ForwardError) {
        guard let connection = amqp_new_connection() else { throw ForwardError("rabbitmq-c: no memory") }
        self.connection = connection
        exchange = Array(forward.exchange.utf8)
        do {
            try connect(forward, password: password, timeout: timeout)
        } catch {
            amqp_destroy_connection(connection)
            open = false
            throw error
        }
    }

    deinit { close() }

    private func connect(_ forward: ForwardSettings, password: String, timeout: Duration) throws(ForwardError) {
        let address = forward.address
        var limit = Self.timeval(timeout)
        amqp_set_handshake_timeout(connection, &limit)
        amqp_set_rpc_timeout(connection, &limit)
        let socket: OpaquePointer?
        if address.tls {
            socket = amqp_ssl_socket_new(connection)
            if let socket {
                if let ca = forward.caFile {
                    let status = amqp_ssl_socket_set_cacert(socket, ca)
                    guard status == AMQP_STATUS_OK.rawValue else {
                        throw ForwardError("CA file \(ca): \(Self.text(status))")
                    }
                }
                amqp_ssl_socket_set_verify_peer(socket, 1)
                amqp_ssl_socket_set_verify_hostname(socket, 1)
            }
        } else {
            socket = amqp_tcp_socket_new(connection)
        }
        guard let socket else { throw ForwardError("rabbitmq-c: cannot make a socket") }
        let opened = amqp_socket_open_noblock(socket, address.host, Int32(address.port), &limit)
        guard opened == AMQP_STATUS_OK.rawValue else {
            throw ForwardError("connect to \(address.host):\(address.port): \(Self.text(opened))")
        }
        try check(
            fathom_amqp_login_plain(
                connection, address.virtualHost, 131_072, Int32(forward.heartbeat), address.user, password),
            "login as \(address.user) to vhost \(address.virtualHost)")
        amqp_channel_open(connection, Self.channel)
        try check(amqp_get_rpc_reply(connection), "channel.open")
        amqp_confirm_select(connection, Self.channel)
        try check(amqp_get_rpc_reply(connection), "confirm.select")
        let declared: Void? = exchange.withUnsafeBytes { name in
            "topic".withCString { type in
                amqp_exchange_declare(
                    connection, Self.channel, Self.bytes(name), amqp_cstring_bytes(type), 0, 1, 0, 0,
                    amqp_table_t(num_entries: 0, entries: nil)
                ) != nil ? () : nil
            }
        }
        try check(amqp_get_rpc_reply(connection), "exchange.declare \(forward.exchange)")
        _ = declared
    }

    /// Publishes every message persistent (`delivery_mode` 2) with its `message_id`, then waits
    /// until the broker has confirmed all of them; throws on a `basic.nack`, a closed channel or
    /// connection, or when `timeout` passes first (the connection is then unusable: close it).
    public func publish(_ messages: [AMQPMessage], timeout: Duration = .seconds(30)) throws(ForwardError) {
        guard open else { throw ForwardError("connection closed") }
        var outstanding = Set<UInt64>()
        let stamp = UInt64(time(nil))
        for message in messages {
            let status = Self.publishOne(connection, exchange: exchange, message, stamp: stamp)
            guard status == AMQP_STATUS_OK.rawValue else { throw ForwardError("basic.publish: \(Self.text(status))") }
            outstanding.insert(nextTag)
            nextTag += 1
        }
        let deadline = ContinuousClock.now + timeout
        while !outstanding.isEmpty {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero, let frame = try wait(for: left) else {
                throw ForwardError("\(outstanding.count) of \(messages.count) messages unconfirmed after \(timeout)")
            }
            try handle(frame, outstanding: &outstanding)
        }
    }

    /// Waits up to `duration` for anything from the broker, which services heartbeats on an idle
    /// connection; a close from the broker is an error.
    public func idle(for duration: Duration) throws(ForwardError) {
        guard open else { throw ForwardError("connection closed") }
        let deadline = ContinuousClock.now + duration
        var none = Set<UInt64>()
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero, let frame = try wait(for: left) else { return }
            try handle(frame, outstanding: &none)
        }
    }

    /// Closes channel and connection politely where it can, and frees rabbitmq-c's state.
    public func close() {
        guard open else { return }
        open = false
        var limit = Self.timeval(.seconds(2))
        amqp_set_rpc_timeout(connection, &limit)
        _ = amqp_channel_close(connection, Self.channel, Int32(AMQP_REPLY_SUCCESS))
        _ = amqp_connection_close(connection, Int32(AMQP_REPLY_SUCCESS))
        amqp_destroy_connection(connection)
    }

    private func wait(for duration: Duration) throws(ForwardError) -> amqp_frame_t? {
        var frame = amqp_frame_t()
        var limit = Self.timeval(duration)
        let status = amqp_simple_wait_frame_noblock(connection, &frame, &limit)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return nil }
        guard status == AMQP_STATUS_OK.rawValue else { throw ForwardError("connection: \(Self.text(status))") }
        return frame
    }

    private func handle(_ frame: amqp_frame_t, outstanding: inout Set<UInt64>) throws(ForwardError) {
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return }
        let method = frame.payload.method
        switch method.id {
        case fathom_amqp_basic_ack_method:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            if ack.multiple != 0 {
                outstanding = outstanding.filter { $0 > ack.delivery_tag }
            } else {
                outstanding.remove(ack.delivery_tag)
            }
        case fathom_amqp_basic_nack_method:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            throw ForwardError("the broker refused message \(nack.delivery_tag) (basic.nack)")
        case fathom_amqp_channel_close_method:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            throw ForwardError("the broker closed the channel: \(close.reply_code) \(Self.string(close.reply_text))")
        case fathom_amqp_connection_close_method:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            throw ForwardError(
                "the broker closed the connection: \(close.reply_code) \(Self.string(close.reply_text))")
        default:
            return
        }
    }

    private func check(_ reply: amqp_rpc_reply_t, _ step: String) throws(ForwardError) {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            throw ForwardError("\(step): \(Self.text(reply.library_error))")
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if reply.reply.id == fathom_amqp_connection_close_method {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                throw ForwardError("\(step): \(close.reply_code) \(Self.string(close.reply_text))")
            }
            if reply.reply.id == fathom_amqp_channel_close_method {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                throw ForwardError("\(step): \(close.reply_code) \(Self.string(close.reply_text))")
            }
            throw ForwardError("\(step): the broker answered method \(reply.reply.id)")
        default:
            throw ForwardError("\(step): no reply")
        }
    }

    private static func publishOne(
        _ connection: amqp_connection_state_t, exchange: [UInt8], _ message: AMQPMessage, stamp: UInt64
    ) -> Int32 {
        let contentType = Array("application/json".utf8)
        let appID = Array("fathom-receiver".utf8)
        let key = Array(message.routingKey.utf8)
        let id = Array(message.id.utf8)
        return exchange.withUnsafeBytes { exchangeBytes in
            key.withUnsafeBytes { keyBytes in
                id.withUnsafeBytes { idBytes in
                    contentType.withUnsafeBytes { typeBytes in
                        appID.withUnsafeBytes { appBytes in
                            message.body.withUnsafeBytes { body in
                                var properties = amqp_basic_properties_t()
                                properties._flags = fathom_amqp_basic_flags
                                properties.content_type = bytes(typeBytes)
                                properties.delivery_mode = 2
                                properties.message_id = bytes(idBytes)
                                properties.timestamp = stamp
                                properties.app_id = bytes(appBytes)
                                return amqp_basic_publish(
                                    connection, channel, bytes(exchangeBytes), bytes(keyBytes), 0, 0, &properties,
                                    bytes(body))
                            }
                        }
                    }
                }
            }
        }
    }

    private static func bytes(_ buffer: UnsafeRawBufferPointer) -> amqp_bytes_t {
        amqp_bytes_t(len: buffer.count, bytes: UnsafeMutableRawPointer(mutating: buffer.baseAddress))
    }

    private static func string(_ bytes: amqp_bytes_t) -> String {
        guard let base = bytes.bytes, bytes.len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: base, count: bytes.len), as: UTF8.self)
    }

    private static func text(_ status: Int32) -> String {
        String(cString: amqp_error_string2(status))
    }

    private static func timeval(_ duration: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = duration.components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}

/// One message to publish: routing key, stable id (consumers drop a repeat by it) and body.
public struct AMQPMessage: Sendable, Equatable {
    public var routingKey: String
    public var id: String
    public var body: [UInt8]

    public init(routingKey: String, id: String, body: [UInt8]) {
        self.routingKey = routingKey
        self.id = id
        self.body = body
    }
}

/// Why forwarding stopped: connection, login, broker refusal, timeout or the store.
public struct ForwardError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
