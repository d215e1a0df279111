import Glibc
import Synchronization

/// One data stream's send or receive loop, with byte counts per one-second interval.
///
/// A sender stops at its deadline (the client side) or when told to (the server side, on
/// TEST_END); a receiver reads until EOF, until told to stop, or until its hard deadline. The
/// socket's kernel timeout (`setBlockingTimeout`) makes every blocking call return in time to
/// notice either.
///
/// ```swift
/// let tally = StreamTransfer(socket: s, streamID: 1, sending: true, start: .now, stopSending: .now + .seconds(2), hardStop: .now + .seconds(10), stop: flag).run()
/// ```
public struct StreamTransfer: Sendable {
    /// Shared "stop now" flag, set by the control thread.
    public final class StopFlag: Sendable {
        private let flag = Atomic<Bool>(false)
        public init() {}
        public func stop() { flag.store(true, ordering: .releasing) }
        public var isStopped: Bool { flag.load(ordering: .acquiring) }
    }

    /// What one stream moved.
    public struct Tally: Sendable, Equatable {
        public var streamID: Int
        /// The socket's fd, which pScheduler reports as `stream-id`.
        public var socket: Int32
        public var sending: Bool
        public var bytes: Int64
        /// Bytes per one-second interval from the test start.
        public var intervalBytes: [Int64]
        /// Retransmits per interval (sender with `TCP_INFO` only).
        public var intervalRetransmits: [Int]?
        /// Smoothed RTT (µs) and congestion window (bytes) at each interval's end, as iperf3
        /// reports them per interval (sender with `TCP_INFO` only; nil for an interval not seen).
        public var intervalRTT: [Int?]? = nil
        public var intervalWindow: [Int?]? = nil
        public var retransmits: Int?
        public var rttMicroseconds: Int?
        /// Seconds from the test start to the last byte moved.
        public var seconds: Double
    }

    public let socket: TCPSocket
    public let streamID: Int
    public let sending: Bool
    public let blockSize: Int
    public let start: ContinuousClock.Instant
    /// When a sender stops by itself; nil: only the flag stops it.
    public let stopSending: ContinuousClock.Instant?
    /// Nothing runs past this, whatever the peer does.
    public let hardStop: ContinuousClock.Instant
    public let intervals: Int
    public let stop: StopFlag
    /// Sender pacing in bits per second for this stream (iperf3's `-b`, which applies to TCP
    /// too); nil sends as fast as the socket takes it.
    public let bitsPerSecond: Int?

    public init(
        socket: TCPSocket, streamID: Int, sending: Bool, blockSize: Int = IperfParameters.defaultBlockSize,
        start: ContinuousClock.Instant, stopSending: ContinuousClock.Instant?, hardStop: ContinuousClock.Instant,
        intervals: Int, stop: StopFlag, bitsPerSecond: Int? = nil
    ) {
        self.socket = socket
        self.streamID = streamID
        self.sending = sending
        self.blockSize = max(1, blockSize)
        self.start = start
        self.stopSending = stopSending
        self.hardStop = hardStop
        self.intervals = max(1, intervals)
        self.stop = stop
        self.bitsPerSecond = bitsPerSecond.flatMap { $0 > 0 ? $0 : nil }
    }

    public func run() -> Tally {
        // Wake at least every 200 ms to look at the flag and the deadlines.
        socket.setBlockingTimeout(.milliseconds(200))
        // An unpaced receiver wakes once per block, not per segment train: on loopback that cut
        // its context switches by ~60% and its CPU per byte by ~25%. A paced stream can trickle,
        // so there each segment is counted as it comes.
        if !sending && bitsPerSecond == nil { socket.setReceiveLowWatermark(blockSize) }
        var perInterval = [Int64](repeating: 0, count: intervals)
        var retransmitsPerInterval = [Int](repeating: 0, count: intervals)
        var rttPerInterval = [Int?](repeating: nil, count: intervals)
        var windowPerInterval = [Int?](repeating: nil, count: intervals)
        let baseRetransmits = sending ? socket.totalRetransmits : nil
        var lastRetransmits = baseRetransmits ?? 0
        var currentInterval = 0
        var total: Int64 = 0
        var lastByte = start
        let pacer = SendPacer(bitsPerSecond: sending ? bitsPerSecond : nil, start: start)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 16)
        defer { buffer.deallocate() }
        // A fixed pattern rather than zeros, so no path can compress the stream.
        buffer.initializeMemory(as: UInt8.self, repeating: 0x5a, count: blockSize)
        while !stop.isStopped {
            let now = ContinuousClock.now
            if now >= hardStop { break }
            if sending, let stopSending, now >= stopSending { break }
            // Ahead of the average rate since the start: sleep off the lead (≤ 200 ms so the
            // stop flag and deadlines are still looked at).
            if let lead = pacer.lead(sentBytes: total, now: now) {
                pacer.sleep(lead, atMost: .milliseconds(200))
                continue
            }
            let n = sending ? send(socket.fd, buffer, blockSize, Int32(MSG_NOSIGNAL)) : recv(socket.fd, buffer, blockSize, 0)
            if n == 0 { break }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                break
            }
            lastByte = .now
            let index = Self.interval(at: lastByte, start: start, count: intervals)
            if index != currentInterval, baseRetransmits != nil, let info = socket.senderInfo {
                // Read TCP_INFO once per interval boundary, not per block: iperf3 reports deltas.
                retransmitsPerInterval[currentInterval] += info.totalRetransmits - lastRetransmits
                rttPerInterval[currentInterval] = info.rttMicroseconds
                windowPerInterval[currentInterval] = info.congestionWindowBytes
                lastRetransmits = info.totalRetransmits
                currentInterval = index
            }
            perInterval[index] += Int64(n)
            total += Int64(n)
        }
        var retransmits: Int?
        if let baseRetransmits, let end = socket.senderInfo {
            retransmitsPerInterval[currentInterval] += end.totalRetransmits - lastRetransmits
            rttPerInterval[currentInterval] = end.rttMicroseconds
            windowPerInterval[currentInterval] = end.congestionWindowBytes
            retransmits = end.totalRetransmits - baseRetransmits
        }
        var tally = Tally(
            streamID: streamID, socket: socket.fd, sending: sending, bytes: total, intervalBytes: perInterval,
            intervalRetransmits: retransmits == nil ? nil : retransmitsPerInterval, retransmits: retransmits,
            rttMicroseconds: socket.rttMicroseconds, seconds: Self.seconds(start.duration(to: lastByte)))
        if retransmits != nil {
            tally.intervalRTT = rttPerInterval
            tally.intervalWindow = windowPerInterval
        }
        return tally
    }

    /// The stream ids iperf3 assigns in connect/accept order: 1, 3, 4, 5, … (`iperf_add_stream`).
    public static func streamID(index: Int) -> Int { index == 0 ? 1 : index + 2 }

    /// The one-second interval `instant` falls in, counted from `start` and clamped to
    /// `0..<count` (the last interval takes whatever comes after the duration).
    static func interval(at instant: ContinuousClock.Instant, start: ContinuousClock.Instant, count: Int) -> Int {
        min(count - 1, max(0, Int(seconds(start.duration(to: instant)))))
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
