import ArgumentParser

/// Flags of the network benchmark (shared by `network` and `all`).
struct NetworkOptions: ParsableArguments {
    @Option(help: "Seconds of each throughput test (iperf3's -t), for both tools.")
    var duration: Int = 5
    @Option(help: "Throughput tests per tool and path; the tools alternate, the median is reported.")
    var rounds: Int = 5
    @Option(name: .customLong("trace-runs"), help: "Timed traces per tool; the tools alternate, the median is reported.")
    var traceRuns: Int = 5

    func validate() throws {
        guard duration > 0, rounds > 0, traceRuns > 0 else {
            throw ValidationError("--duration, --rounds and --trace-runs must be positive")
        }
    }

    var benchmark: NetworkBenchmark { NetworkBenchmark(duration: duration, rounds: rounds, traceRuns: traceRuns) }
}
