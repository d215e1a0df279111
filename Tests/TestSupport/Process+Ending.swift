import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Ending a child a test started: SIGTERM, up to `grace` for it to exit, then SIGKILL. Two forms
/// of one rule: inside a test, waiting with `Task.sleep` (no cooperative thread held); in a
/// `defer`, on a thread of its own (``OwnThread/later(_:)``), where blocking is harmless.
///
/// ```swift
/// let exitedInTime = await process.end(grace: .seconds(20))
/// defer { OwnThread.later { process.endBlocking(grace: .seconds(3)) } }
/// ```
extension Process {
    /// SIGTERM if still running, then waits up to `grace`, polling with `Task.sleep`; SIGKILL
    /// after that. Whether it exited within the grace (true also when it had already exited).
    @discardableResult
    public func end(grace: Duration) async -> Bool {
        if isRunning { terminate() }
        let deadline = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return reap()
    }

    /// ``end(grace:)`` blocking the calling thread: for threads of their own, never the pool.
    @discardableResult
    public func endBlocking(grace: Duration) -> Bool {
        if isRunning { terminate() }
        let deadline = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        return reap()
    }

    /// SIGKILL if still running, then the exit collected; whether it had exited on its own.
    private func reap() -> Bool {
        let exited = !isRunning
        if !exited { kill(processIdentifier, SIGKILL) }
        waitUntilExit()
        return exited
    }
}
