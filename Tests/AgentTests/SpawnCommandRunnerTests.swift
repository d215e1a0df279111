import FathomAgent
import FathomTestSupport
import Glibc
import Testing

/// Real children through `SpawnCommandRunner`: what happens to them on timeout, on cancellation,
/// with too much output, when missing, and to this process's descriptors over many runs.
@Suite("Spawn: real child processes", .serialized, .timeLimit(.minutes(2)))
struct SpawnCommandRunnerTests {
    let clock = ContinuousClock()

    @Test("a child that outlives the timeout is terminated, reaped and reported")
    func timeoutEndsChild() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let marker = Self.sleepMarker()
        let start = clock.now
        await #expect(throws: CommandError.timedOut(program: "sh")) {
            try await SpawnCommandRunner().run(
                ["sh", "-c", "echo $$ > \(dir.file("pid")); exec sleep \(marker)"], timeout: .seconds(1))
        }
        #expect(clock.now - start < .seconds(20), "the child was waited for, not ended")
        // The deadline runs from the call, so a starved test process may end the child before it
        // wrote its pid; whatever did start must be gone.
        if let pid = Self.pid(in: dir.file("pid")) { #expect(!Self.isRunning(pid)) }
        #expect(Self.running(sleepMarker: marker).isEmpty)
    }

    @Test("a child that ignores SIGTERM gets SIGKILL after the grace period, its own children too")
    func ignoredTermGetsKill() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let marker = Self.sleepMarker()
        // SIG_IGN is inherited through exec, so the background sleep ignores TERM as well.
        let script = "trap '' TERM; echo $$ > \(dir.file("pid")); sleep \(marker) & wait; wait"
        let task = Task {
            try await SpawnCommandRunner(grace: .milliseconds(400)).run(["sh", "-c", script], timeout: .seconds(60))
        }
        // Once the grandchild runs, the trap is set: only SIGKILL can end either of them.
        var grandchild: [Int32] = []
        for _ in 0..<400 where grandchild.isEmpty {
            try await Task.sleep(for: .milliseconds(25))
            grandchild = Self.running(sleepMarker: marker)
        }
        try #require(grandchild.count == 1, "the child's own child never started")
        let child = try #require(Self.pid(in: dir.file("pid")))
        let start = clock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        let took = clock.now - start
        #expect(took >= .milliseconds(400), "SIGKILL came before the grace period ended")
        #expect(took < .seconds(20), "the child was waited for, not ended")
        #expect(!Self.isRunning(child))
        #expect(await Self.ends(grandchild[0]), "the child's own child outlived the kill")
    }

    @Test("cancelling the calling task ends the child and throws CancellationError")
    func cancellationEndsChild() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let pidFile = dir.file("pid")
        let task = Task {
            try await SpawnCommandRunner().run(
                ["sh", "-c", "echo $$ > \(pidFile); exec sleep 30"], timeout: .seconds(90))
        }
        var pid: Int32?
        for _ in 0..<200 where pid == nil {
            try await Task.sleep(for: .milliseconds(25))
            pid = Self.pid(in: pidFile)
        }
        let child = try #require(pid, "the child never started")
        #expect(Self.isRunning(child))
        let start = clock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.now - start < .seconds(20), "the child was waited for, not ended")
        #expect(!Self.isRunning(child))
    }

    @Test("output is kept up to the limit; past it the child is killed and the run fails")
    func outputIsBounded() async throws {
        let runner = SpawnCommandRunner(outputLimit: 64 << 10)
        let exact = try await runner.run(["head", "-c", "65536", "/dev/zero"], timeout: .seconds(30))
        #expect(exact.utf8.count == 64 << 10)
        let start = clock.now
        // `yes` never stops on its own: only the limit ends this run.
        await #expect(throws: CommandError.outputTooLarge(program: "yes", limit: 64 << 10)) {
            try await runner.run(["yes"], timeout: .seconds(90))
        }
        #expect(clock.now - start < .seconds(30), "only the timeout ended `yes`")
    }

    @Test("a missing executable is named in the error")
    func missingExecutable() async throws {
        let runner = SpawnCommandRunner()
        let error = await #expect(throws: CommandError.self) {
            try await runner.run(["fathom-no-such-program-xyz", "--version"], timeout: .seconds(30))
        }
        #expect(error == .notFound(program: "fathom-no-such-program-xyz"))
        #expect(error?.description == "fathom-no-such-program-xyz: not found in PATH")
        await #expect(throws: CommandError.notFound(program: "/nonexistent/fathom-tool")) {
            try await runner.run(["/nonexistent/fathom-tool"], timeout: .seconds(30))
        }
        await #expect(throws: CommandError.noProgram) { try await runner.run([], timeout: .seconds(5)) }
    }

    @Test("a signal is reported as such, and a path runs without PATH lookup")
    func signalAndPath() async throws {
        let runner = SpawnCommandRunner()
        await #expect(throws: CommandError.signalled(program: "sh", signal: SIGSEGV)) {
            try await runner.run(["sh", "-c", "kill -SEGV $$"], timeout: .seconds(30))
        }
        #expect(try await runner.run(["/bin/sh", "-c", "echo ok"], timeout: .seconds(30)) == "ok\n")
    }

    @Test("no pipe or pidfd is left open after many runs, whatever their outcome")
    func noDescriptorLeak() async throws {
        let runner = SpawnCommandRunner(outputLimit: 4096, grace: .milliseconds(100))
        // swift-subprocess opens its epoll descriptors once, on first use.
        _ = try await runner.run(["true"], timeout: .seconds(30))
        let before = Self.childDescriptors()
        for round in 0..<12 {
            _ = try await runner.run(["sh", "-c", "echo \(round)"], timeout: .seconds(30))
            _ = try? await runner.run(["sh", "-c", "exit 2"], timeout: .seconds(30))
            _ = try? await runner.run(["sleep", "5"], timeout: .milliseconds(30))
            _ = try? await runner.run(["yes"], timeout: .seconds(30))
            _ = try? await runner.run(["fathom-no-such-program-xyz"], timeout: .seconds(30))
        }
        // Other suites may hold a pipe for a moment; a leak (60 runs' worth) never goes away.
        var after = Self.childDescriptors()
        for _ in 0..<40 where after > before {
            try await Task.sleep(for: .milliseconds(50))
            after = Self.childDescriptors()
        }
        #expect(after <= before, "descriptors open before: \(before), after 60 runs: \(after)")
    }

    /// Open descriptors of the kinds a run creates: pipes, pidfds and `/dev/null`.
    static func childDescriptors() -> Int {
        guard let dir = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(dir) }
        var count = 0
        var target = [CChar](repeating: 0, count: 256)
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard Int(name) != nil else { continue }
            let length = readlink("/proc/self/fd/" + name, &target, target.count - 1)
            guard length > 0 else { continue }
            let link = String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if link.hasPrefix("pipe:") || link.contains("pidfd") || link == "/dev/null" { count += 1 }
        }
        return count
    }

    /// The pid a test script wrote with `echo $$ > file`, once it has.
    static func pid(in path: String) -> Int32? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 32)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        return Int32(
            String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).filter(\.isNumber))
    }

    /// A `sleep` argument no other process has: 30 s and a random fraction.
    static func sleepMarker() -> String { "30.\(UInt32.random(in: 100_000...999_999))" }

    /// Pids of running (not zombie) `sleep MARKER` processes.
    static func running(sleepMarker marker: String) -> [Int32] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var pids: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard let pid = Int32(name), let file = fopen("/proc/\(name)/cmdline", "r") else { continue }
            var buffer = [UInt8](repeating: 0, count: 256)
            let count = fread(&buffer, 1, buffer.count, file)
            fclose(file)
            let arguments = buffer[0..<count].split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if arguments.count == 2, arguments[0].hasSuffix("sleep"), arguments[1] == marker, isRunning(pid) {
                pids.append(pid)
            }
        }
        return pids
    }

    /// True while `pid` exists and is not a zombie (an orphan's zombie may wait for a slow init).
    static func isRunning(_ pid: Int32) -> Bool {
        guard let file = fopen("/proc/\(pid)/stat", "r") else { return false }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 1024)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return false }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let close = line.lastIndex(of: ")") else { return false }
        let state = line[line.index(after: close)...].drop { $0 == " " }.first
        return state != "Z" && state != "X"
    }

    /// Whether `pid` stops running within a second (an orphan is reparented, not reaped by us).
    static func ends(_ pid: Int32) async -> Bool {
        for _ in 0..<40 {
            if !isRunning(pid) { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return false
    }
}
