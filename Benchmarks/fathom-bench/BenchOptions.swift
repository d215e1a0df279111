import ArgumentParser

/// Flags of the agent benchmark (shared by `agent` and `all`).
struct AgentOptions: ParsableArguments {
    @Option(help: "Samples (and subprocess runs per reference tool).")
    var samples: Int = 200

    func validate() throws {
        guard samples > 0 else { throw ValidationError("--samples must be positive") }
    }
}

/// Flags of the receiver benchmark (shared by `receiver` and `all`).
struct ReceiverOptions: ParsableArguments {
    @Option(help: "Concurrent clients, each with one keep-alive TLS connection.")
    var clients: Int = 64
    @Option(help: "Duration of the timed upload phase.")
    var seconds: Double = 10
    @Option(name: .customLong("body-kib"), help: "Approximate upload body size in KiB.")
    var bodyKiB: Int = 16
    @Option(help: "Upper bound on uploads in the timed phase (split evenly over the clients).")
    var maxUploads: Int = 1_000_000
    @Option(help: "Duration of the raw append+fdatasync baseline.")
    var fsyncSeconds: Double = 3
    @Flag(help: "All clients upload as the same host (one shared data file) instead of one host each.")
    var sharedHost = false

    func validate() throws {
        guard clients > 0, seconds > 0, bodyKiB > 0, maxUploads > 0, fsyncSeconds > 0 else {
            throw ValidationError(
                "--clients, --seconds, --body-kib, --max-uploads and --fsync-seconds must be positive")
        }
    }

    var benchmark: ReceiverBenchmark {
        ReceiverBenchmark(
            clients: clients, seconds: seconds, bodyKiB: bodyKiB, maxUploads: maxUploads,
            fsyncSeconds: fsyncSeconds, sharedHost: sharedHost)
    }
}

/// Flags of the archive benchmark (shared by `archive` and `all`).
struct ArchiveOptions: ParsableArguments {
    @Option(help: "Throughput points to ingest (1-minute spacing); histograms get about 1/23 of it, at most 30 days.")
    var points: Int = 1_000_000
    @Option(help: "Points per bulk PUT.")
    var bulk: Int = 1_000
    @Option(help: "Queries per read figure.")
    var queries: Int = 1_000
    @Option(name: .customLong("writers"), help: "Concurrent bulk writers, one keep-alive connection each.")
    var clients: Int = 2

    func validate() throws {
        guard points > 0, bulk > 0, queries > 0, clients > 0 else {
            throw ValidationError("--points, --bulk, --queries and --writers must be positive")
        }
    }

    var benchmark: ArchiveBenchmark { ArchiveBenchmark(points: points, bulk: bulk, queries: queries, clients: clients) }
}

/// Flags of the network benchmark (shared by `network` and `all`).
struct NetworkOptions: ParsableArguments {
    @Option(help: "Seconds of each throughput test (iperf3's -t), for both tools.")
    var duration: Int = 5
    @Option(help: "Throughput tests per tool and path; the tools alternate, the median is reported.")
    var rounds: Int = 5
    @Option(
        name: .customLong("trace-runs"), help: "Timed traces per tool; the tools alternate, the median is reported.")
    var traceRuns: Int = 5
    @Option(name: .customLong("udp-bandwidth"), help: "The -b of the UDP pacing part, bits per second per stream.")
    var udpBandwidth: Int = 50_000_000

    func validate() throws {
        guard duration > 0, rounds > 0, traceRuns > 0, udpBandwidth > 0 else {
            throw ValidationError("--duration, --rounds, --trace-runs and --udp-bandwidth must be positive")
        }
    }

    var benchmark: NetworkBenchmark {
        NetworkBenchmark(duration: duration, rounds: rounds, traceRuns: traceRuns, udpBitsPerSecond: udpBandwidth)
    }
}

/// Flags of the fleet-page benchmark (shared by `fleet` and `all`).
struct FleetOptions: ParsableArguments {
    @Option(help: "Hosts the receiver knows (spread over 10 clusters).")
    var hosts: Int = 10_000
    @Option(name: .customLong("page-requests"), help: "Requests per page (/fleet, /fleet.json).")
    var pageRequests: Int = 50

    func validate() throws {
        guard hosts > 0, pageRequests > 0 else { throw ValidationError("--hosts and --page-requests must be positive") }
    }

    var benchmark: FleetBenchmark { FleetBenchmark(hosts: hosts, requests: pageRequests) }
}

/// Flags of the Grafana benchmark (`grafana`): the ingest comparison and the indexed tree's size.
struct GrafanaOptions: ParsableArguments {
    @Option(help: "Concurrent upload clients for the index on/off ingest comparison.")
    var clients: Int = 64
    @Option(help: "Duration of each timed ingest phase (index off, then on).")
    var seconds: Double = 10
    @Option(name: .customLong("body-kib"), help: "Approximate upload body size in KiB.")
    var bodyKiB: Int = 16
    @Option(help: "Days of samples in the queried index.")
    var days: Int = 30
    @Option(help: "Hosts of the queried cluster.")
    var hosts: Int = 1000
    @Option(help: "Process records per host sample in the queried index.")
    var processes: Int = 4
    @Option(help: "Queries per latency figure.")
    var queries: Int = 200

    func validate() throws {
        guard clients > 0, seconds > 0, bodyKiB > 0, days > 0, hosts > 0, processes > 0, queries > 0 else {
            throw ValidationError("every count and duration must be positive")
        }
    }

    var benchmark: GrafanaBenchmark {
        GrafanaBenchmark(
            clients: clients, seconds: seconds, bodyKiB: bodyKiB, days: days, hosts: hosts,
            processesPerSample: processes,
            queries: queries)
    }
}
