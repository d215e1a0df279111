#if canImport(Glibc)
    import Glibc
#endif

/// The one way Fathom runs blocking work (reads of `/proc`, NSS user lookups, spool writes and their
/// fsyncs, a probe that blocks in `recv`) from async code: on a thread of its own, so neither the
/// cooperative pool (two threads on a two-core node) nor an event loop is held while it blocks.
/// Child processes are the exception: swift-subprocess waits for them with epoll, holding no thread.
///
/// Threads are cheap next to what they wait for (a sample every few minutes, a test run), and a
/// thread of its own means a call that never returns wedges only itself, which the watchdog's
/// `Liveness` then sees.
///
/// ```swift
/// let table = await BlockingWork.run { ProcessTable.read(procfs: procfs, jobs: jobs) }
/// ```
public enum BlockingWork {
    /// Runs `body` on a new detached thread and returns its result.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let started = startDetached { continuation.resume(returning: body()) }
            if !started {
                // No thread could be made (resource limits): block here rather than fail the work.
                continuation.resume(returning: body())
            }
        }
    }

    /// Throwing variant.
    public static func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await run { () -> Result<T, E> in
            do throws(E) { return .success(try body()) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts a detached pthread running `body`; false when none could be created.
    public static func startDetached(_ body: @escaping @Sendable () -> Void) -> Bool {
        var id = pthread_t()
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        let status = pthread_create(
            &id, nil,
            { raw in
                Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
                return nil
            }, box)
        guard status == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            return false
        }
        pthread_detach(id)
        return true
    }
}
