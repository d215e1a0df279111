import Glibc

/// One UDP data stream's send or receive loop (iperf3's `iperf_udp_send` / `iperf_udp_recv`).
///
/// The sender stamps each datagram with a `UDPDatagramHeader` (packet numbers from 1) and paces
/// itself to `bitsPerSecond` with a `SendPacer`; it stops at `stopSending` (the end of the test,
/// on either side) or when the stop flag is set (on TEST_END). The receiver counts bytes per second, and
/// loss, reordering and jitter from the headers, until the stop flag is set; it then reads what
/// is already queued (up to `drainLimit`) and ends. Nothing runs past `hardStop`. Socket timeouts
/// of `wakeInterval` make every blocking call return in time to notice the flag.
///
/// ```swift
/// let tally = UDPStreamTransfer(socket: s, streamID: 1, sending: true, datagramSize: 1460, counters64Bit: false,
///                               start: .now, stopSending: .now + .seconds(2), hardStop: .now + .seconds(12),
///                               intervals: 2, stop: flag, bitsPerSecond: 50_000_000).run()
/// ```
public struct UDPStreamTransfer: Sendable {
    public let socket: UDPSocket
    public let streamID: Int
    public let sending: Bool
    /// Bytes per datagram, header included (iperf3's `len` / `blksize`).
    public let datagramSize: Int
    public let counters64Bit: Bool
    public let start: ContinuousClock.Instant
    public let stopSending: ContinuousClock.Instant?
    public let hardStop: ContinuousClock.Instant
    public let intervals: Int
    public let stop: StreamTransfer.StopFlag
    /// Target rate of this stream; nil or 0 sends unpaced (iperf3's `-b 0`).
    public let bitsPerSecond: Int?

    /// How often a blocked call wakes up to look at the flag and the deadlines.
    public static let wakeInterval: Duration = .milliseconds(50)
    /// How long a stopped receiver goes on reading datagrams that were already queued.
    public static let drainLimit: Duration = .milliseconds(50)

    public init(
        socket: UDPSocket, streamID: Int, sending: Bool, datagramSize: Int, counters64Bit: Bool,
        start: ContinuousClock.Instant, stopSending: ContinuousClock.Instant?, hardStop: ContinuousClock.Instant,
        intervals: Int, stop: StreamTransfer.StopFlag, bitsPerSecond: Int?
    ) {
        self.socket = socket
        self.streamID = streamID
        self.sending = sending
        self.counters64Bit = counters64Bit
        self.datagramSize = max(UDPDatagramHeader.size(counters64Bit: counters64Bit), datagramSize)
        self.start = start
        self.stopSending = stopSending
        self.hardStop = hardStop
        self.intervals = max(1, intervals)
        self.stop = stop
        self.bitsPerSecond = bitsPerSecond
    }

    public func run() -> UDPStreamTally {
        socket.setBlockingTimeout(Self.wakeInterval)
        // Room for one more byte than a datagram, so an oversized one is seen (and counted) whole.
        let capacity = datagramSize + 1
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        // A fixed pattern after the header, as for TCP: no path can compress it.
        buffer.initializeMemory(as: UInt8.self, repeating: 0x5a, count: capacity)
        return sending ? send(buffer) : receive(buffer, capacity: capacity)
    }

    private func interval(at instant: ContinuousClock.Instant) -> Int {
        StreamTransfer.interval(at: instant, start: start, count: intervals)
    }

    private func send(_ buffer: UnsafeMutableRawPointer) -> UDPStreamTally {
        let pacer = SendPacer(bitsPerSecond: bitsPerSecond, start: start)
        var perInterval = [Int64](repeating: 0, count: intervals)
        var packetsPerInterval = [Int](repeating: 0, count: intervals)
        var total: Int64 = 0
        var packets: UInt64 = 0
        var lastByte = start
        while !stop.isStopped {
            let now = ContinuousClock.now
            if now >= hardStop { break }
            if let stopSending, now >= stopSending { break }
            if let lead = pacer.lead(sentBytes: total, now: now) {
                pacer.sleep(lead, atMost: Self.wakeInterval)
                continue
            }
            UDPDatagramHeader.now(packetNumber: packets + 1).encode(into: buffer, counters64Bit: counters64Bit)
            let n = Glibc.send(socket.fd, buffer, datagramSize, Int32(MSG_NOSIGNAL))
            if n < 0 {
                // Not sent, so the number is used again (as iperf3 does).
                if errno == EINTR || errno == EAGAIN || errno == ENOBUFS { continue }
                // The peer's port is closed (ICMP unreachable): it is stopping or gone; the control
                // connection says which. Back off rather than spin.
                if errno == ECONNREFUSED {
                    usleep(1000)
                    continue
                }
                break
            }
            packets += 1
            lastByte = .now
            let index = interval(at: lastByte)
            perInterval[index] += Int64(n)
            packetsPerInterval[index] += 1
            total += Int64(n)
        }
        return UDPStreamTally(
            transfer: .make(
                streamID: streamID, socket: socket.fd, sending: true, bytes: total, intervalBytes: perInterval,
                seconds: StreamTransfer.seconds(start.duration(to: lastByte))),
            packets: Int(clamping: packets), intervalPackets: packetsPerInterval)
    }

    private func receive(_ buffer: UnsafeMutableRawPointer, capacity: Int) -> UDPStreamTally {
        var perInterval = [Int64](repeating: 0, count: intervals)
        var packetsPerInterval = [Int](repeating: 0, count: intervals)
        var lostPerInterval = [Int](repeating: 0, count: intervals)
        var jitterPerInterval = [Double?](repeating: nil, count: intervals)
        var tracker = UDPSequenceTracker()
        var jitter = JitterEstimator()
        var malformed = 0
        var total: Int64 = 0
        var lastByte = start
        var drainUntil: ContinuousClock.Instant?
        while true {
            let now = ContinuousClock.now
            if now >= hardStop { break }
            if drainUntil == nil, stop.isStopped { drainUntil = now + Self.drainLimit }
            if let drainUntil, now >= drainUntil { break }
            let n = recv(socket.fd, buffer, capacity, drainUntil == nil ? 0 : Int32(MSG_DONTWAIT))
            if n < 0 {
                // Drained: nothing more is queued.
                if drainUntil != nil, errno == EAGAIN { break }
                if errno == EAGAIN || errno == EINTR || errno == ECONNREFUSED { continue }
                break
            }
            let arrival = UDPDatagramHeader.monotonicMicroseconds()
            lastByte = .now
            let index = interval(at: lastByte)
            perInterval[index] += Int64(n)
            total += Int64(n)
            guard
                let header = UDPDatagramHeader.decode(
                    UnsafeRawBufferPointer(start: buffer, count: n), counters64Bit: counters64Bit)
            else {
                malformed += 1
                continue
            }
            let (highest, lost) = (tracker.highest, tracker.lost)
            tracker.record(header.packetNumber)
            jitter.record(sentMicroseconds: header.sentMicroseconds, arrivalMicroseconds: arrival)
            // Saturating: a garbage packet number must not trap the agent.
            let (sum, overflow) = packetsPerInterval[index].addingReportingOverflow(
                Int(clamping: tracker.highest - highest))
            packetsPerInterval[index] = overflow ? Int.max : sum
            lostPerInterval[index] += tracker.lost - lost
            jitterPerInterval[index] = jitter.seconds
        }
        // An interval without datagrams reports the jitter as it stood.
        var carried = 0.0
        let jitterCarried = jitterPerInterval.map { value -> Double in
            if let value { carried = value }
            return carried
        }
        return UDPStreamTally(
            transfer: .make(
                streamID: streamID, socket: socket.fd, sending: false, bytes: total, intervalBytes: perInterval,
                seconds: StreamTransfer.seconds(start.duration(to: lastByte))),
            packets: tracker.highestCount, lost: tracker.lost, outOfOrder: tracker.outOfOrder, jitter: jitter.seconds,
            malformed: malformed,
            intervalPackets: packetsPerInterval, intervalLost: lostPerInterval, intervalJitter: jitterCarried)
    }
}
