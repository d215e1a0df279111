/// Where a connection stands between requests, sent by `RequestProgressHandler` (which sees parsed
/// HTTP) down to `ConnectionDeadlineHandler` (which sees bytes) as a user outbound event.
///
/// ```swift
/// context.triggerUserOutboundEvent(RequestProgress.headReceived, promise: nil)
/// ```
enum RequestProgress: Sendable, Equatable {
    /// A whole request head was parsed: the header deadline is met.
    case headReceived
    /// Every request read so far has its response written: the next bytes start a new head.
    case responsesDone
}
