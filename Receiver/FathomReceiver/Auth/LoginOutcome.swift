import FathomShared

/// What became of one login attempt, and so which status the route answers: 200 on, 401, 429 or
/// 503 (each with the wait in `Retry-After` where there is one).
///
/// ```swift
/// switch await authenticator.authenticate(user: "fox", password: "pw", address: "192.0.2.7") {
/// case .accepted(let credential): …
/// case .rejected: … // 401
/// case .throttled(let seconds), .busy(let seconds): … // 429, 503
/// }
/// ```
public enum LoginOutcome: Sendable, Equatable {
    case accepted(Credential)
    /// Wrong user or password (counted against the address and the user).
    case rejected
    /// Too many recent failures from this address or for this user; the password was not looked at.
    case throttled(retryAfterSeconds: Int)
    /// The password-hash pool is full; nothing was decided.
    case busy(retryAfterSeconds: Int)
}
