/// When one test's streams run, as both sides fix it at TEST_RUNNING: the start, when a sender
/// stops by itself (omit plus duration on both sides; nil for a byte-count test, whose senders
/// stop at the count or at TEST_END), the hard stop nothing runs past, and the grid of report
/// intervals.
///
/// The first `omit` seconds are iperf3's omitted intervals (`-O`): counted apart and marked
/// omitted, then the intervals start again at zero, as iperf3 restarts its statistics when the
/// omit timer fires. A test that ends on a byte or block count (`budget`) has an open-ended grid.
///
/// ```swift
/// let timeline = TestTimeline(start: .now, stopSending: nil, hardStop: .now + .seconds(50), duration: 10, omit: 2)
/// let index = timeline.intervalIndex(at: .now)          // 0 and 1 are omitted, 2... are the test's
/// StreamTransfer(socket: s, streamID: 1, sending: true, blockSize: 131_072, timeline: timeline, stop: flag)
/// ```
struct TestTimeline: Sendable {
    let start: ContinuousClock.Instant
    let stopSending: ContinuousClock.Instant?
    let hardStop: ContinuousClock.Instant
    /// Seconds omitted from the start (iperf3's `-O`).
    let omit: Int
    /// Length of one report interval (iperf3's `-i`; one second unless set).
    let interval: Duration
    /// Intervals within the omitted seconds.
    let omittedIntervals: Int
    /// Intervals in all, omitted ones first; for an open-ended test, the count allocated up front.
    let intervals: Int
    /// Whether the grid ends at `intervals` (a timed test: the last interval takes whatever comes
    /// after the duration) or grows as long as the test runs (a byte- or block-count test).
    let bounded: Bool
    /// The test's byte counts in both directions, for tests that end on a byte or block count.
    let budget: TransferBudget

    init(
        start: ContinuousClock.Instant, stopSending: ContinuousClock.Instant?, hardStop: ContinuousClock.Instant,
        duration: Int?,
        omit: Int = 0, interval: Duration = .seconds(1), budget: TransferBudget = TransferBudget(limit: nil)
    ) {
        self.start = start
        self.stopSending = stopSending
        self.hardStop = hardStop
        self.omit = max(0, omit)
        self.interval = interval > .zero ? interval : .seconds(1)
        omittedIntervals = Self.count(.seconds(self.omit), per: self.interval)
        bounded = duration != nil
        intervals = omittedIntervals + max(1, Self.count(.seconds(duration ?? 1), per: self.interval))
        self.budget = budget
    }

    /// Builds stream `index`'s loop on `socket` for a test on this timeline, with the group's stop flag.
    typealias MakeLoop<Socket, Transfer: StreamLoop> = (
        _ index: Int, _ socket: Socket, _ timeline: TestTimeline, _ stop: StreamTransfer.StopFlag
    ) -> Transfer

    /// When the omitted seconds end and the test's own count begins.
    var omitEnd: ContinuousClock.Instant { start + .seconds(omit) }

    /// Seconds from the end of the omitted seconds to now: the test's length as this side reports it.
    var secondsSoFar: Double { max(0, StreamTransfer.seconds(omitEnd.duration(to: .now))) }

    /// The interval `instant` falls in: omitted intervals count from the start, the others from
    /// the end of the omitted seconds; a bounded grid clamps to its last interval.
    func intervalIndex(at instant: ContinuousClock.Instant) -> Int {
        let length = StreamTransfer.seconds(interval)
        if omittedIntervals > 0, instant < omitEnd {
            return min(omittedIntervals - 1, max(0, Int(StreamTransfer.seconds(start.duration(to: instant)) / length)))
        }
        let index = omittedIntervals + max(0, Int(StreamTransfer.seconds(omitEnd.duration(to: instant)) / length))
        return bounded ? min(intervals - 1, index) : index
    }

    /// Whole intervals of `length` that cover `span`, a last partial one included.
    static func count(_ span: Duration, per length: Duration) -> Int {
        let whole = Int(span / length)
        return whole + (length * whole < span ? 1 : 0)
    }
}
