/// When one test's streams run, as both sides fix it at TEST_RUNNING: the start, when a sender
/// stops by itself (the client's duration; nil on the responder, which stops at TEST_END), the
/// hard stop nothing runs past, and the number of one-second intervals counted.
///
/// ```swift
/// let timeline = TestTimeline(start: .now, stopSending: nil, hardStop: .now + .seconds(50), intervals: 10)
/// StreamTransfer(socket: s, streamID: 1, sending: true, start: timeline.start, stopSending: timeline.stopSending,
///                hardStop: timeline.hardStop, intervals: timeline.intervals, stop: flag)
/// ```
struct TestTimeline: Sendable {
    let start: ContinuousClock.Instant
    let stopSending: ContinuousClock.Instant?
    let hardStop: ContinuousClock.Instant
    let intervals: Int

    /// Builds stream `index`'s loop on `socket` for a test on this timeline, with the group's stop flag.
    typealias MakeLoop<Socket, Transfer: StreamLoop> = (_ index: Int, _ socket: Socket, _ timeline: TestTimeline, _ stop: StreamTransfer.StopFlag) -> Transfer

    /// Seconds from the start to now: the test's length as this side reports it.
    var secondsSoFar: Double { StreamTransfer.seconds(start.duration(to: .now)) }
}
