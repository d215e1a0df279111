import FathomShared
import FathomTestSupport
import Foundation
import Testing

/// A program spawned with ``SpawnCloseFrom`` inherits none of the spawner's descriptors above 2,
/// close-on-exec or not; without it, it inherits a plain pipe (so the check can fail).
@Suite(.timeLimit(.minutes(2))) struct SpawnCloseFromTests {
    /// The descriptors `/bin/sh` finds open in itself, spawned with or without the action.
    func inheritedDescriptors(closingFrom3: Bool) throws -> Set<Int32> {
        let listing = TempDirectory("fathom-closefrom")
        defer { listing.remove() }
        let output = listing.file("fds")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if closingFrom3 { #expect(SpawnCloseFrom.add(&actions), "glibc 2.34+ has the action") }
        let argv = ["/bin/sh", "-c", "ls /proc/$$/fd"]
        var arguments = argv.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        var pid: pid_t = 0
        #expect(posix_spawn(&pid, argv[0], &actions, nil, &arguments, environ) == 0)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = try String(contentsOfFile: output, encoding: .utf8)
        return Set(text.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) })
    }

    @Test func aPlainPipeIsInheritedOnlyWithoutTheAction() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { for end in ends { close(end) } }
        let without = try inheritedDescriptors(closingFrom3: false)
        #expect(without.isSuperset(of: ends), "without the action the pipe is inherited: \(without)")
        let with = try inheritedDescriptors(closingFrom3: true)
        #expect(with.isDisjoint(with: ends), "with it, neither end is: \(with)")
        #expect(with.allSatisfy { $0 <= 3 }, "only 0–2 and the shell's own listing: \(with)")
    }
}
