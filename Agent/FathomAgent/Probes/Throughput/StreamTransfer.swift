import Glibc
import Synchronization

/// One data stream's send or receive loop, with byte counts per one-second interval.
///
/// A sender stops at its deadline (the end of a timed test, on either side), once the test's byte
/// count is sent, or when told to (on TEST_END); a receiver reads until EOF, until told to stop, or until its hard deadline. The
/// socket's kernel timeout (`setBlockingTimeout`) makes every blocking call return in time to
/// notice either.
///
/// ```swift
/// let timeline = TestTimeline(start: .now, stopSending: .now + .seconds(2), hardStop: .now + .seconds(10), duration: 2)
/// let tally = StreamTransfer(socket: s, streamID: 1, sending: true, timeline: timeline, stop: flag).run()
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
        /// Seconds from the end of the omitted seconds to the last byte moved.
        public var seconds: Double
        /// Leading entries of `intervalBytes` that fall in the omitted seconds (iperf3's `-O`):
        /// reported as omitted, left out of `bytes` and `retransmits`.
        public var omittedIntervals: Int = 0
    }

    public let socket: TCPSocket
    public let streamID: Int
    public let sending: Bool
    public let blockSize: Int
    let timeline: TestTimeline
    public let stop: StopFlag
    /// Sender pacing in bits per second for this stream (iperf3's `-b`, which applies to TCP
    /// too); nil sends as fast as the socket takes it.
    public let bitsPerSecond: Int?
    /// Sender: `sendfile` from a file holding the block rather than `send` from memory (iperf3's `-Z`).
    public let zeroCopy: Bool

    public var start: ContinuousClock.Instant { timeline.start }
    /// When a sender stops by itself; nil: only the flag (or a byte count) stops it.
    public var stopSending: ContinuousClock.Instant? { timeline.stopSending }
    /// Nothing runs past this, whatever the peer does.
    public var hardStop: ContinuousClock.Instant { timeline.hardStop }

    init(
        socket: TCPSocket, streamID: Int, sending: Bool, blockSize: Int = IperfParameters.defaultBlockSize,
        timeline: TestTimeline, stop: StopFlag, bitsPerSecond: Int? = nil, zeroCopy: Bool = false
    ) {
        self.socket = socket
        self.streamID = streamID
        self.sending = sending
        self.blockSize = max(1, blockSize)
        self.timeline = timeline
        self.stop = stop
        self.bitsPerSecond = bitsPerSecond.flatMap { $0 > 0 ? $0 : nil }
        self.zeroCopy = zeroCopy
    }

    public func run() -> Tally {
        // Wake at least every 200 ms to look at the flag and the deadlines.
        socket.setBlockingTimeout(.milliseconds(200))
        // An unpaced receiver wakes once per block, not per segment train: on loopback that cut
        // its context switches by ~60% and its CPU per byte by ~25%. A paced stream can trickle,
        // so there each segment is counted as it comes; so does a byte-count test, whose last
        // block may be short.
        if !sending && bitsPerSecond == nil && timeline.budget.limit == nil { socket.setReceiveLowWatermark(blockSize) }
        var perInterval = [Int64](repeating: 0, count: timeline.intervals)
        var retransmitsPerInterval = [Int](repeating: 0, count: timeline.intervals)
        var rttPerInterval = [Int?](repeating: nil, count: timeline.intervals)
        var windowPerInterval = [Int?](repeating: nil, count: timeline.intervals)
        let baseRetransmits = sending ? socket.totalRetransmits : nil
        var lastRetransmits = baseRetransmits ?? 0
        var currentInterval = 0
        var total: Int64 = 0
        var lastByte = start
        let budget = timeline.budget
        let pacer = SendPacer(bitsPerSecond: sending ? bitsPerSecond : nil, start: start)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 16)
        defer { buffer.deallocate() }
        // A fixed pattern rather than zeros, so no path can compress the stream.
        buffer.initializeMemory(as: UInt8.self, repeating: 0x5a, count: blockSize)
        let file = sending && zeroCopy ? ZeroCopyBlock(buffer, count: blockSize) : nil
        defer { file?.close() }
        while !stop.isStopped {
            let now = ContinuousClock.now
            if now >= hardStop { break }
            if sending, let stopSending, now >= stopSending { break }
            if sending, budget.sendingDone { break }
            // Ahead of the average rate since the start: sleep off the lead (≤ 200 ms so the
            // stop flag and deadlines are still looked at).
            if let lead = pacer.lead(sentBytes: total, now: now) {
                pacer.sleep(lead, atMost: .milliseconds(200))
                continue
            }
            let n =
                if let file { file.send(to: socket.fd) } else if sending {
                    send(socket.fd, buffer, blockSize, Int32(MSG_NOSIGNAL))
                } else {
                    recv(socket.fd, buffer, blockSize, 0)
                }
            if n == 0 { break }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                break
            }
            lastByte = .now
            let index = timeline.intervalIndex(at: lastByte)
            if index >= perInterval.count {
                // An open-ended (byte-count) test grows its grid as it runs.
                let more = index + 1 - perInterval.count
                perInterval += [Int64](repeating: 0, count: more)
                retransmitsPerInterval += [Int](repeating: 0, count: more)
                rttPerInterval += [Int?](repeating: nil, count: more)
                windowPerInterval += [Int?](repeating: nil, count: more)
            }
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
            if index >= timeline.omittedIntervals {
                if sending { budget.record(sent: n) } else { budget.record(received: n) }
            }
        }
        if !sending && stop.isStopped {
            // Told to stop (TEST_END): what the kernel already holds was sent within the test, so
            // it is counted before the socket closes, as a UDP receiver drains its queue.
            let drained = drain(buffer)
            perInterval[perInterval.count - 1] += drained
            total += drained
            if perInterval.count - 1 >= timeline.omittedIntervals { budget.record(received: Int(drained)) }
        }
        var retransmits: Int?
        var omittedRetransmits = 0
        if let baseRetransmits, let end = socket.senderInfo {
            retransmitsPerInterval[currentInterval] += end.totalRetransmits - lastRetransmits
            rttPerInterval[currentInterval] = end.rttMicroseconds
            windowPerInterval[currentInterval] = end.congestionWindowBytes
            omittedRetransmits = retransmitsPerInterval.prefix(timeline.omittedIntervals).reduce(0, +)
            retransmits = end.totalRetransmits - baseRetransmits - omittedRetransmits
        }
        // As iperf3 after its omit timer: the totals are the test's own, from the end of the omitted seconds.
        let omittedBytes = perInterval.prefix(timeline.omittedIntervals).reduce(0, +)
        var tally = Tally(
            streamID: streamID, socket: socket.fd, sending: sending, bytes: total - omittedBytes,
            intervalBytes: perInterval,
            intervalRetransmits: retransmits == nil ? nil : retransmitsPerInterval, retransmits: retransmits,
            rttMicroseconds: socket.rttMicroseconds,
            seconds: max(0, Self.seconds(timeline.omitEnd.duration(to: lastByte))),
            omittedIntervals: timeline.omittedIntervals)
        if retransmits != nil {
            tally.intervalRTT = rttPerInterval
            tally.intervalWindow = windowPerInterval
        }
        return tally
    }

    /// Reads what is already queued without waiting (the socket is shut down, so an empty queue
    /// reads as EOF), for at most `drainLimit`; the bytes read.
    private func drain(_ buffer: UnsafeMutableRawPointer) -> Int64 {
        let deadline = ContinuousClock.now + Self.drainLimit
        var drained: Int64 = 0
        while ContinuousClock.now < deadline {
            let n = recv(socket.fd, buffer, blockSize, Int32(MSG_DONTWAIT))
            if n > 0 {
                drained += Int64(n)
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        return drained
    }

    /// How long a receiver told to stop goes on reading what is already queued.
    public static let drainLimit: Duration = .milliseconds(200)

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
