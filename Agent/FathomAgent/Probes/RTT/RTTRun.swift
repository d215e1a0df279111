import Glibc

/// One rtt test: `count` echo requests `interval` apart on a `PingSocket`, answers read in
/// between, then a wait of `timeout` after the last request (cut short once every request is
/// answered, as ping does). Blocks in `poll`: run it on its own thread.
///
/// RTTs are measured on the monotonic clock from just before `sendto` to the kernel's receive
/// stamp of the answer (`SO_TIMESTAMPNS`, as ping), so a late wake-up of this thread is not in them.
/// A request that could not be sent counts as sent and lost (ping does the same); a test where
/// no request could be sent at all is a failure with the reason.
///
/// ```swift
/// let result = RTTRun(parameters: try RTTParameters(dest: "10.0.0.2", count: 3).validated()).run()
/// print(result.jsonString())
/// ```
public struct RTTRun: Sendable {
    public var parameters: RTTParameters
    /// Skip the datagram socket and use a raw one (tests of the fallback).
    public var preferRaw: Bool

    public init(parameters: RTTParameters, preferRaw: Bool = false) {
        self.parameters = parameters
        self.preferRaw = preferRaw
    }

    public func run() -> RTTResult {
        do {
            return try measure()
        } catch {
            return .failure(error.description)
        }
    }

    private func measure() throws(RTTError) -> RTTResult {
        let dest: IPSocketAddress
        do {
            dest = try IPSocketAddress.resolve(parameters.dest, family: parameters.ipVersion)
        } catch {
            if case .unresolvable(let name, let reason) = error { throw .unresolvable(name: name, reason: reason) }
            throw .invalidParameter(error.description)
        }
        let socket = try PingSocket.open(family: dest.family, ttl: parameters.ttl, preferRaw: preferRaw)
        defer { socket.close() }
        var tally = RTTTally()
        var sentAt: [Int: ContinuousClock.Instant] = [:]
        var sendFailure: Int32?
        var delivered = 0
        let start = ContinuousClock.now
        for seq in 1...parameters.count {
            try collect(socket, &tally, sentAt, until: start + parameters.interval * (seq - 1))
            let now = ContinuousClock.now
            tally.sent(seq: seq)
            sentAt[seq] = now
            if let failure = socket.send(to: dest, sequence: UInt16(seq), payloadLength: parameters.payloadLength) {
                sendFailure = failure
            } else {
                delivered += 1
            }
        }
        let end = ContinuousClock.now + parameters.timeout
        while tally.receivedCount < tally.sentCount && ContinuousClock.now < end {
            try collect(socket, &tally, sentAt, until: end, returnEarly: true)
        }
        if delivered == 0, let sendFailure { throw .socket(call: "sendto", errno: sendFailure) }
        return tally.result(diags: socket.kind.rawValue)
    }

    /// Reads answers into `tally` until `deadline` (or, with `returnEarly`, after the first batch).
    private func collect(
        _ socket: PingSocket, _ tally: inout RTTTally, _ sentAt: [Int: ContinuousClock.Instant],
        until deadline: ContinuousClock.Instant, returnEarly: Bool = false
    ) throws(RTTError) {
        while ContinuousClock.now < deadline {
            guard try SocketPoll.wait(fd: socket.fd, for: Int16(POLLIN), deadline: deadline, failure: RTTError.poll)
            else { return }
            for received in socket.receive() {
                switch received.answer {
                case .reply(let seq, let length, let ttl):
                    guard let sent = sentAt[Int(seq)] else { continue }
                    tally.reply(
                        seq: Int(seq), length: length, ip: received.source, ttl: ttl ?? received.ttl,
                        rtt: sent.duration(to: received.at))
                case .error(let seq, let type, let code):
                    tally.error(
                        seq: Int(seq), ip: received.source,
                        error: EchoAnswer.errorName(family: socket.family, type: type, code: code))
                }
            }
            if returnEarly { return }
        }
    }
}
