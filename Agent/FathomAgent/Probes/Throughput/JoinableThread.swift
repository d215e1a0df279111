import Glibc

/// A plain pthread running one closure, joined explicitly.
///
/// Data streams block in `send`/`recv` for the whole test; on the cooperative pool that would
/// starve every other task, so each stream gets a thread of its own.
///
/// ```swift
/// let thread = try JoinableThread { transfer.run() }
/// thread.join()
/// ```
public struct JoinableThread: Sendable {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private let id: pthread_t

    public init(_ body: @escaping @Sendable () -> Void) throws(ThroughputError) {
        var id = pthread_t()
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        let status = pthread_create(
            &id, nil,
            { raw in
                let body = Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue()
                body.run()
                return nil
            }, box)
        guard status == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            throw .socket(call: "pthread_create", errno: status)
        }
        self.id = id
    }

    public func join() { pthread_join(id, nil) }
}

/// A value written by one thread before it ends and read by another after `join`; the join
/// orders the two, which is why no lock is needed.
public final class ThreadResult<Value>: @unchecked Sendable {
    public var value: Value?
    public init() {}
}
