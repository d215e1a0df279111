import FathomShared
import Foundation
import Synchronization

/// A throwaway PostgreSQL 15 server (Debian's `postgresql` package) for the store's tests:
/// `initdb` into a temp directory with trust authentication for one user, a free TCP port on
/// 127.0.0.1 and the unix socket in the same directory, `pg_ctl -w start`, one database.
/// Run as `nobody` when the tests run as root (the server refuses root).
///
/// ```swift
/// let server = try await PostgresServer.make()
/// defer { server.remove() }
/// let url = server.url     // postgresql://fathom@127.0.0.1:PORT/fathom
/// let count = try server.psql("SELECT count(*) FROM fathom_samples")
/// ```
///
/// `stop()` and `start()` take the server down and up again on the same port and data (outage
/// tests); `remove()`, or the deinit, stops it at once (`-m immediate`) and deletes everything.
/// Tests make it with ``make(durable:in:)``, which holds no cooperative thread while it waits.
public final class PostgresServer: Sendable {
    public static let binDirectory = "/usr/lib/postgresql/15/bin"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binDirectory + "/initdb") }

    public let directory: TempDirectory
    public let port: Int
    public let user = "fathom"
    public let database = "fathom"
    /// fsync on (benchmarks) or off (tests: no power cut to survive, and faster on a busy machine).
    public let durable: Bool
    private let removed = Mutex(false)
    private let databases = Mutex(1)

    public var url: String { "postgresql://\(user)@127.0.0.1:\(port)/\(database)" }
    var dataDirectory: String { directory.file("data") }

    /// Why the server could not be set up, with the tool's output.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// `durable`: keep PostgreSQL's fsync (for figures that mean something); `parent`: where
    /// the server's directory goes (its unix socket path must stay short).
    public init(durable: Bool = false, in parent: String = "/tmp") throws {
        self.durable = durable
        directory = TempDirectory("fathom-pg", in: parent)
        port = try TestPorts.take()
        if getuid() == 0 {
            guard chown(directory.path, 65534, 65534) == 0 else {
                throw Failure(description: "chown \(directory.path) to nobody: \(String(cString: strerror(errno)))")
            }
        }
        try run(
            Self.binDirectory + "/initdb", "-D", dataDirectory, "-U", user, "--auth=trust", "-E", "UTF8",
            "--locale=C", "--no-sync")
        try launch()
        try run(Self.binDirectory + "/createdb", "-h", "127.0.0.1", "-p", String(port), "-U", user, database)
    }

    deinit { remove() }

    /// A new server, made on a thread of its own (``OwnThread``): `initdb` and the first start
    /// take seconds, which a test must not spend holding a cooperative thread.
    public static func make(durable: Bool = false, in parent: String = "/tmp") async throws -> PostgresServer {
        try await OwnThread.run { try PostgresServer(durable: durable, in: parent) }
    }

    /// Starts the server again (on a thread of its own) and waits until it accepts connections.
    public func start() async throws {
        try await OwnThread.run { [self] in try launch() }
    }

    private func launch() throws {
        try run(
            Self.binDirectory + "/pg_ctl", "-D", dataDirectory, "-w", "-t", "60", "-l", directory.file("server.log"),
            "-o",
            "-p \(port) -h 127.0.0.1 -k \(directory.path) -c max_connections=50" + (durable ? "" : " -c fsync=off"),
            "start")
    }

    /// Turns TLS on (reloaded, no restart) with this certificate chain and key (PEM); plain
    /// connections are still accepted, so `pg_stat_ssl` tells which a client used.
    public func enableTLS(certificate: String, key: String) throws {
        for (source, name) in [(certificate, "server.crt"), (key, "server.key")] {
            let target = dataDirectory + "/" + name
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.copyItem(atPath: source, toPath: target)
            chmod(target, 0o600)
            if getuid() == 0 { _ = chown(target, 65534, 65534) }
        }
        try psql("ALTER SYSTEM SET ssl = on")
        try psql("SELECT pg_reload_conf()")
    }

    /// Shuts the server down (`-m fast`: connections are closed), keeping its data; waits on a
    /// thread of its own.
    public func stop() async throws {
        try await OwnThread.run { [self] in
            _ = try run(Self.binDirectory + "/pg_ctl", "-D", dataDirectory, "-w", "-m", "fast", "stop")
        }
    }

    /// One statement through `psql -At` (unaligned, tuples only): rows on lines, columns split by `|`.
    @discardableResult
    public func psql(_ sql: String) throws -> String {
        try run(
            "/usr/bin/psql", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", database, "-At",
            "-v", "ON_ERROR_STOP=1", "-c", sql
        ).trimmingCharacters(in: .newlines)
    }

    /// A new, empty database on this server (`fathom_2`, `fathom_3`, …), and its URL: tests that
    /// share one server each get a database of their own.
    public func makeDatabase() throws -> String {
        let name =
            "fathom_"
            + String(
                databases.withLock { n in
                    n += 1
                    return n
                })
        try psql("CREATE DATABASE \(name)")
        return "postgresql://\(user)@127.0.0.1:\(port)/\(name)"
    }

    /// One statement through `psql -At` on another database of this server (see ``makeDatabase()``).
    @discardableResult
    public func psql(_ sql: String, database url: String) throws -> String {
        let name = String(url[url.index(after: url.lastIndex(of: "/")!)...])
        return try run(
            "/usr/bin/psql", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", name, "-At",
            "-v", "ON_ERROR_STOP=1", "-c", sql
        ).trimmingCharacters(in: .newlines)
    }

    /// Stops the server at once and deletes its directory; safe to call twice.
    public func remove() {
        let first = removed.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        _ = try? run(Self.binDirectory + "/pg_ctl", "-D", dataDirectory, "-m", "immediate", "stop")
        directory.remove()
    }

    /// Runs a tool (as `nobody` when root), returning its stdout; a non-zero exit throws with stderr.
    ///
    /// `posix_spawn` and `waitpid`, not Foundation's `Process`: the server `pg_ctl` leaves running
    /// inherits the descriptor `Process` watches for its child's end, which then never comes.
    /// Output goes to files for the same reason (a pipe the server held would never close), and
    /// the child inherits no other descriptor (``SpawnCloseFrom``).
    @discardableResult
    private func run(_ argv: String...) throws -> String {
        // In the server's directory: nobody may not be allowed into the test's working directory.
        let inDirectory = ["/usr/bin/env", "-C", directory.path] + argv
        let command = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "nobody", "--"] + inDirectory : inDirectory
        let name = directory.file("tool-\(UUID().uuidString)")
        let (output, errors) = (name + ".out", name + ".err")
        defer {
            unlink(output)
            unlink(errors)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o666)
        posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o666)
        // Nothing else of this test process: the server pg_ctl leaves running would otherwise keep
        // whatever another test held open at this moment, such as the write end of the pipe a
        // setup command's stderr goes to, whose reader then waits for ever.
        SpawnCloseFrom.add(&actions)
        var arguments = command.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, &arguments, environ)
        guard spawned == 0 else {
            throw Failure(description: "spawn \(command[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let stdout = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        // Exited normally with status 0: WIFEXITED and WEXITSTATUS, spelled out (they are C macros).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw Failure(
                description: "\(argv.joined(separator: " ")) ended with status \(status): "
                    + ((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "") + stdout)
        }
        return stdout
    }

}
