import FathomShared
import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// `CommandRunner` using posix_spawn, a stdout pipe and poll(2) with a deadline.
///
/// A child that outlives the timeout is sent SIGKILL and reaped, so a hung `nvidia-smi` cannot
/// stall sampling (sonar raised its limit to 5 s after pmon took over 2 s on busy nodes).
///
/// ```swift
/// let out = try await SpawnCommandRunner().run(["rocm-smi", "--showpidgpus"], timeout: .seconds(5))
/// ```
public struct SpawnCommandRunner: CommandRunner {
    public init() {}

    public func run(_ arguments: [String], timeout: Duration) async throws -> String {
        // The wait is blocking, so it runs on a thread of its own rather than the cooperative pool.
        try await BlockingWork.run { () throws(CommandError) -> String in
            try Self.runBlocking(arguments, timeout: timeout)
        }
    }

    static func runBlocking(_ arguments: [String], timeout: Duration) throws(CommandError) -> String {
        guard let program = arguments.first else { throw CommandError.noProgram }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw CommandError.spawnFailed(program: program, errno: errno) }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        // Close-on-exec keeps both ends out of the child (dup2 onto fd 1 clears it there) and out of
        // programs other threads spawn; Glibc's pipe2 is not visible to Swift without _GNU_SOURCE.
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        // stderr is not parsed; discarding it avoids a second pipe that could fill and block the child.
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let spawnResult = posix_spawnp(&child, program, &actions, nil, argv, environ)
        close(writeEnd)
        guard spawnResult == 0 else {
            close(readEnd)
            throw CommandError.spawnFailed(program: program, errno: spawnResult)
        }
        defer { close(readEnd) }

        let deadline = monotonicNow() + timeout
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        var timedOut = false
        readLoop: while true {
            let remaining = deadline - monotonicNow()
            if remaining <= .zero {
                timedOut = true
                break
            }
            var pfd = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(clamping: Int64(remaining / .milliseconds(1))) + 1
            let ready = poll(&pfd, 1, ms)
            if ready < 0 {
                if errno == EINTR { continue }
                timedOut = true
                break
            }
            if ready == 0 { continue }
            let n = chunk.withUnsafeMutableBytes { Glibc.read(readEnd, $0.baseAddress, $0.count) }
            switch n {
            case 0: break readLoop
            case ..<0 where errno == EINTR: continue
            case ..<0: break readLoop
            default: output.append(contentsOf: chunk[0..<n])
            }
        }
        // A child can close stdout and keep running, so reaping also honours the deadline.
        var status: Int32 = 0
        while true {
            if timedOut { kill(child, SIGKILL) }
            let reaped = waitpid(child, &status, timedOut ? 0 : WNOHANG)
            if reaped == child || (reaped < 0 && errno != EINTR) { break }
            if reaped == 0 {
                if monotonicNow() >= deadline { timedOut = true } else { usleep(5_000) }
            }
        }
        if timedOut { throw CommandError.timedOut(program: program) }
        // WIFEXITED && WEXITSTATUS == 0, spelled out because the C macros are not imported.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw CommandError.failed(program: program, status: status)
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func monotonicNow() -> Duration {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
    }
}
