import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Spawns external tools the way a cron job or a daemon's timer would: fork/exec each time.
enum Subprocess {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Resolves `name` against `$PATH`, like the shell; nil when not found or not executable.
    static func which(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where access("\(dir)/\(name)", X_OK) == 0 {
            return "\(dir)/\(name)"
        }
        return nil
    }

    /// Runs `path args` to completion with stdout and stderr sent to /dev/null.
    ///
    /// posix_spawn + wait4 rather than Foundation's Process: Process adds pipes and a monitoring
    /// thread in the parent, which would blur the per-run cost we want to compare. No peak RSS is
    /// reported: glibc spawns with CLONE_VM, so the kernel charges the child's ru_maxrss with the
    /// bench's own resident size.
    /// Exit statuses other than `accepting` are failures. Returns the child's own resource usage
    /// from `wait4` (its CPU alone; its `ru_maxrss` is the bench's, see above).
    @discardableResult
    static func runQuietly(_ path: String, _ args: [String], accepting: Set<Int32> = [0]) throws -> rusage {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        // The environment is rebuilt from ProcessInfo because libc's `environ` is shared mutable
        // state that strict concurrency will not let us touch.
        let envp: [UnsafeMutablePointer<CChar>?] =
            ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }

        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw Failure(description: "posix_spawn \(path): \(String(cString: strerror(rc)))") }

        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else {
                throw Failure(description: "waitpid \(path): \(String(cString: strerror(errno)))")
            }
        }
        // WIFEXITED/WEXITSTATUS are macros Swift does not import; decode the status by hand.
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited && accepting.contains(code) else {
            throw Failure(description: "\(path) \(args.joined(separator: " ")) failed (wait status \(status))")
        }
        return usage
    }

    /// Runs a command and returns its stdout (for counting output lines once, outside any timing).
    static func output(_ path: String, _ args: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(path) \(args.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs a shell script in `directory`, failing with its stderr (used for the openssl steps).
    static func shell(_ script: String, in directory: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-ec", script]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "shell step failed: \(String(decoding: data, as: UTF8.self))")
        }
    }
}
