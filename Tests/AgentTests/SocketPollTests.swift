import Glibc
import Testing

@testable import FathomAgent

/// `SocketPoll`, the one wait behind the agent's sockets, on a real socket pair.
@Suite struct SocketPollTests {
    /// A connected pair of Unix datagram sockets, closed by `close()`.
    struct Pair {
        let fds: [Int32]
        init() throws {
            var fds: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0, &fds) == 0 else {
                throw ThroughputError.socket(call: "socketpair", errno: errno)
            }
            self.fds = fds
        }
        func send(_ byte: UInt8, on fd: Int32) {
            var byte = byte
            _ = Glibc.send(fd, &byte, 1, 0)
        }
        func close() { for fd in fds { _ = Glibc.close(fd) } }
    }

    @Test func nothingToReadWaitsOutTheDeadlineAndSaysSo() throws {
        let pair = try Pair()
        defer { pair.close() }
        let start = ContinuousClock.now
        let ready = try SocketPoll.wait(
            fd: pair.fds[0], for: Int16(POLLIN), deadline: start + .milliseconds(30), failure: ThroughputError.poll)
        #expect(!ready)
        #expect(start.duration(to: .now) >= .milliseconds(30), "returned before its deadline")
        // A deadline already past answers at once, without a poll.
        #expect(try !SocketPoll.wait(fd: pair.fds[0], for: Int16(POLLIN), deadline: start, failure: TraceError.poll))
    }

    @Test func readinessIsReportedOnTheSocketThatHasIt() throws {
        let first = try Pair()
        let second = try Pair()
        defer {
            first.close()
            second.close()
        }
        second.send(7, on: second.fds[1])
        var fds = [first.fds[0], second.fds[0]].map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let ready = try SocketPoll.wait(&fds, until: .now + .seconds(5), failure: TraceError.poll)
        #expect(ready)
        #expect(fds[0].revents == 0 && fds[1].revents & Int16(POLLIN) != 0, "\(fds.map(\.revents))")
    }

    @Test func aHangUpCountsAsReadySoTheReadThatFollowsSeesIt() throws {
        var fds: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { _ = close(fds[0]) }
        _ = close(fds[1])
        let ready = try SocketPoll.wait(
            fd: fds[0], for: Int16(POLLIN), deadline: .now + .seconds(5), failure: ThroughputError.poll)
        #expect(ready)
        var byte: UInt8 = 0
        #expect(recv(fds[0], &byte, 1, Int32(MSG_DONTWAIT)) == 0, "EOF")
    }

    @Test func aFailedPollBecomesTheCallersError() throws {
        // More descriptors than RLIMIT_NOFILE allows: poll(2) fails with EINVAL.
        var limit = rlimit()
        #expect(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0)
        try #require(limit.rlim_cur < 1 << 22, "a descriptor limit this test can exceed")
        var fds = [pollfd](repeating: pollfd(fd: -1, events: 0, revents: 0), count: Int(limit.rlim_cur) + 1)
        #expect(throws: RTTError.socket(call: "poll", errno: EINVAL)) {
            try SocketPoll.wait(&fds, until: .now + .seconds(1), failure: RTTError.poll)
        }
    }

    @Test func waitsRoundUpToAWholeMillisecondSoNoneSpins() {
        #expect(SocketPoll.milliseconds(.microseconds(1)) == 1)
        #expect(SocketPoll.milliseconds(.milliseconds(1500)) == 1500)
        #expect(SocketPoll.milliseconds(.seconds(Int64.max / 2)) == Int32.max)
    }
}
