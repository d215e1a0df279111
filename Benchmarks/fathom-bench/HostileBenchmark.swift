import ArgumentParser
import FathomTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `fathom-bench hostile`: the receiver against strangers, each section with its bar (issue 9):
/// wrong bcrypt passwords vs a cached client, slowloris connections vs `/ping`, descriptor
/// exhaustion vs CPU and recovery, four maximal archive reads vs peak RSS, and RSS after malformed
/// uploads vs after valid ones. The receiver runs as a child process so its CPU time and
/// descriptor limit are its own.
struct HostileBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hostile",
        abstract: "Receiver under wrong passwords, slowloris and descriptor exhaustion (cached upload, /ping, CPU).")
    @OptionGroup var hostile: HostileOptions

    func run() async throws {
        try await hostile.benchmark.run()
    }
}

/// Flags of the hostile benchmark.
struct HostileOptions: ParsableArguments {
    @Option(help: "Connections sending wrong passwords.") var attackers: Int = 8
    @Option(help: "bcrypt cost of the attacked user.") var bcryptCost: Int = 12
    @Option(help: "Seconds of each wrong-password run.") var loginSeconds: Double = 10
    @Option(help: "Slowloris TLS connections.") var slowloris: Int = 2_000
    @Option(help: "The receiver's header timeout in the slowloris run, seconds.") var headerTimeout: Double = 5
    @Option(help: "Descriptor limit of the receiver in the EMFILE run.") var nofile: Int = 600
    @Option(help: "Raw TCP connections in the EMFILE run.") var floodConnections: Int = 700
    @Option(help: "Seconds over which the receiver's CPU is measured while descriptors are exhausted.")
    var cpuSeconds: Double = 3
    @Option(help: "Packet-trace points (255 hops each) read back by four concurrent maximal archive reads.")
    var archivePoints: Int = 10_000
    @Option(help: "Valid, then malformed, uploads in the memory-retention run.") var memoryUploads: Int = 10_000

    func validate() throws {
        guard attackers > 0, (4...31).contains(bcryptCost), loginSeconds > 0, slowloris > 0, headerTimeout > 0,
            nofile > 32, floodConnections > nofile, cpuSeconds > 0, archivePoints > 0, memoryUploads > 0
        else {
            throw ValidationError(
                "counts and durations must be positive, bcrypt cost 4…31, --flood-connections > --nofile")
        }
    }

    var benchmark: HostileBenchmark {
        HostileBenchmark(
            attackers: attackers, bcryptCost: bcryptCost, loginSeconds: loginSeconds, slowloris: slowloris,
            headerTimeout: headerTimeout, nofile: nofile, floodConnections: floodConnections, cpuSeconds: cpuSeconds,
            archivePoints: archivePoints, memoryUploads: memoryUploads)
    }
}

/// Runs the hostile sections one after the other, each against a fresh receiver.
struct HostileBenchmark {
    var attackers: Int
    var bcryptCost: Int
    var loginSeconds: Double
    var slowloris: Int
    var headerTimeout: Double
    var nofile: Int
    var floodConnections: Int
    var cpuSeconds: Double
    var archivePoints: Int
    var memoryUploads: Int

    func run() async throws {
        let scratch = TempDirectory.benchScratch("fathom-hostile")
        defer { scratch.remove() }
        raiseDescriptorLimit()
        print("== hostile: the receiver against strangers, scratch \(scratch.path) ==")
        try await HostileLogins.run(scratch: scratch, attackers: attackers, cost: bcryptCost, seconds: loginSeconds)
        print("")
        try await HostileSlowloris.run(scratch: scratch, connections: slowloris, headerTimeout: headerTimeout)
        print("")
        try await HostileDescriptors.run(
            scratch: scratch, nofile: nofile, connections: floodConnections, seconds: cpuSeconds)
        print("")
        try await HostileArchiveReads.run(points: archivePoints, hops: 255, readers: 4)
        print("")
        try await HostileMemory.run(valid: memoryUploads, malformed: memoryUploads, clients: 8)
    }

    /// Thousands of client sockets need more than the usual 1024 descriptors; the receiver child
    /// inherits the raised limit (the EMFILE section lowers its own with prlimit).
    private func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
