import ArgumentParser

/// `fathom-bench`: prints the cost figures the spec's bars are judged on (not a timed test;
/// the numbers depend on the machine and are meant to be read next to the reference runs).
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fathom-bench",
        abstract: "Measures Fathom's sampling cost and receiver throughput against reference tools.",
        subcommands: [
            AgentBench.self, ReceiverBench.self, ArchiveBench.self, NetworkBench.self, HostileBench.self,
            FleetBench.self, GrafanaBench.self, InterfaceBench.self, PostgresBench.self, AllBench.self,
        ]
    )
}

/// `fathom-bench agent`
struct AgentBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent", abstract: "Per-sample cost vs a reference exec'd in the same run (sonar, else ps).")
    @OptionGroup var agent: AgentOptions

    func run() async throws {
        try await AgentBenchmark(samples: agent.samples).run()
    }
}

/// `fathom-bench interfaces`
struct InterfaceBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interfaces",
        abstract: "Interface sampling CPU with 200 interfaces vs ip -s -j link (bar 0.5x); interface ingest rate.")
    @Option(help: "Samples per tool.") var samples = 200
    @Option(help: "Interface uploads (200 records each) for the ingest rate.") var uploads = 400
    @Flag(help: .hidden) var insideNamespace = false

    func run() async throws {
        let benchmark = InterfaceBenchmark(samples: samples, uploads: uploads)
        if insideNamespace {
            try benchmark.measureInside()
        } else {
            try await benchmark.run()
        }
    }
}

/// `fathom-bench receiver`
struct ReceiverBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receiver", abstract: "TLS upload throughput vs raw fdatasync.")
    @OptionGroup var receiver: ReceiverOptions

    func run() async throws {
        try await receiver.benchmark.run()
    }
}

/// `fathom-bench archive`
struct ArchiveBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive", abstract: "Archive bulk ingest rate and one-day / 30-day query latency over HTTP.")
    @OptionGroup var archive: ArchiveOptions

    func run() async throws {
        try await archive.benchmark.run()
    }
}

/// `fathom-bench postgres`
struct PostgresBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "Uploads/s and p99 on the PostgreSQL store (one and two receivers) vs the embedded store and \\copy.")
    @Option(help: "Concurrent TLS clients.") var clients: Int = 64
    @Option(help: "Duration of each timed upload phase.") var seconds: Double = 10
    @Option(name: .customLong("body-kib"), help: "Approximate upload body size in KiB.") var bodyKiB: Int = 16

    func run() async throws {
        try await PostgresBenchmark(clients: clients, seconds: seconds, bodyKiB: bodyKiB).run()
    }
}

/// `fathom-bench fleet`
struct FleetBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet", abstract: "/fleet and /fleet.json latency with 10,000 hosts (bar: 100 ms).")
    @OptionGroup var fleet: FleetOptions

    func run() async throws {
        try await fleet.benchmark.run()
    }
}

/// `fathom-bench grafana`
struct GrafanaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grafana",
        abstract:
            "Ingest rate with the sample index on vs off; /grafana/query p50 for one host and a cluster total over 24 h."
    )
    @OptionGroup var grafana: GrafanaOptions

    func run() async throws {
        try await grafana.benchmark.run()
    }
}

/// `fathom-bench network`
struct NetworkBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract:
            "TCP throughput vs iperf3 (loopback, namespace path), trace time vs tracepath, UDP pacing and loss vs iperf3."
    )
    @OptionGroup var network: NetworkOptions

    func run() async throws {
        try network.benchmark.run()
    }
}

/// `fathom-bench all`: the agent first, so its peak-RSS figure is not inflated by the receiver.
struct AllBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all", abstract: "Runs agent, then receiver, then archive, then fleet, then network.")
    @OptionGroup var agent: AgentOptions
    @OptionGroup var receiver: ReceiverOptions
    @OptionGroup var archive: ArchiveOptions
    @OptionGroup var fleet: FleetOptions
    @OptionGroup var network: NetworkOptions

    func run() async throws {
        try await AgentBenchmark(samples: agent.samples).run()
        print("")
        try await receiver.benchmark.run()
        print("")
        try await archive.benchmark.run()
        print("")
        try await fleet.benchmark.run()
        print("")
        try network.benchmark.run()
    }
}
