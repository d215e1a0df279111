import Dispatch
import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// A stand-in for systemd's notify socket: a bound `AF_UNIX` datagram socket that hands back
/// each datagram it receives as text. Shared by the notifier unit tests and the end-to-end
/// watchdog tests, which give its `address` to a real daemon as `NOTIFY_SOCKET`.
///
/// ```swift
/// let socket = try FakeNotifySocket(abstract: true)
/// // start the daemon with NOTIFY_SOCKET=socket.address
/// #expect(await socket.next() == "READY=1")
/// ```
public final class FakeNotifySocket: Sendable {
    public let address: String
    private let fd: Int32
    private let cleanupPath: String?

    /// Binds a fresh abstract `@name`, or a path socket in a fresh temp directory.
    public init(abstract: Bool) throws {
        let tag = "fathom-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        if abstract {
            address = "@" + tag
            cleanupPath = nil
        } else {
            var template = Array("/tmp/\(tag)-XXXXXX".utf8CString)
            guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
                throw FakeSocketError("mkdtemp", errno)
            }
            address = String(cString: dir) + "/notify"
            cleanupPath = address
        }
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw FakeSocketError("socket", errno) }
        guard let parsed = NotifySocketAddress(address) else { throw FakeSocketError("address \(address)", EINVAL) }
        let rc = parsed.withSockaddr { bind(fd, $0, $1) }
        guard rc == 0 else { throw FakeSocketError("bind \(address)", errno) }
    }

    deinit {
        close(fd)
        if let cleanupPath {
            unlink(cleanupPath)
            rmdir(String(cleanupPath.dropLast("/notify".count)))
        }
    }

    /// The next datagram, or nil if none arrives within `timeoutMs`.
    public func receive(timeoutMs: Int32 = 2_000) -> String? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, timeoutMs) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { return nil }
        return String(decoding: buffer[..<n], as: UTF8.self)
    }

    /// `receive` on a thread of its own (``OwnThread``), so async tests do not block the
    /// cooperative pool that the code under test needs.
    public func next(timeoutMs: Int32 = 10_000) async -> String? {
        await OwnThread.run { self.receive(timeoutMs: timeoutMs) }
    }

    /// Datagrams until one contains `text`, for at most `timeoutMs` in all; whether it came.
    /// At the deadline what is already queued is read too: on a loaded machine the test may fall
    /// behind a daemon that pings every 200 ms, and a message sent in time still counts.
    public func awaitMessage(containing text: String, timeoutMs: Int32 = 10_000) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeoutMs))
        while ContinuousClock.now < deadline {
            guard let message = await next(timeoutMs: timeoutMs) else { return false }
            if message.contains(text) { return true }
        }
        while let queued = receive(timeoutMs: 0) {
            if queued.contains(text) { return true }
        }
        return false
    }

    /// Whether nothing arrives for `silentMs` once what was already queued is read (datagrams
    /// less than 300 ms apart): a frozen daemon's last pings may still be in flight.
    public func fallsSilent(forMs silentMs: Int32 = 2_000) async -> Bool {
        while await next(timeoutMs: 300) != nil {}
        return await next(timeoutMs: silentMs) == nil
    }

    /// Everything that arrives until `timeoutMs` passes without a datagram.
    public func drain(quietMs: Int32 = 100) -> [String] {
        var all: [String] = []
        while let next = receive(timeoutMs: quietMs) { all.append(next) }
        return all
    }
}

public struct FakeSocketError: Error, CustomStringConvertible {
    public let description: String
    init(_ operation: String, _ code: Int32) { description = "\(operation): errno \(code)" }
}
