/// The agent's metrics in the Prometheus text exposition format (0.0.4), written by hand so the
/// agent, which should stay light, needs no metrics library: every metric has `# HELP` and
/// `# TYPE`, counters end in `_total`, label values are escaped.
///
/// ```swift
/// let text = TextfileExposition.render(metrics.snapshot, spool: (batches: 2, bytes: 4096, dropped: 0), cluster: "fox")
/// ```
public enum TextfileExposition {
    /// The spool's state when the file is written.
    public struct SpoolState: Sendable, Equatable {
        public var batches: Int
        public var bytes: Int
        public var droppedBatches: Int
        public init(batches: Int, bytes: Int, droppedBatches: Int) {
            self.batches = batches
            self.bytes = bytes
            self.droppedBatches = droppedBatches
        }
    }

    public static func render(_ s: AgentMetrics.Snapshot, spool: SpoolState, cluster: String) -> String {
        let labels = "{cluster=\"\(escape(cluster))\"}"
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labelSet, value) in samples { out += "\(name)\(labelSet) \(value)\n" }
        }
        metric(
            "fathom_agent_spool_batches", "gauge", "Batches in the agent's spool waiting for delivery.",
            [(labels, "\(spool.batches)")])
        metric(
            "fathom_agent_spool_bytes", "gauge", "Bytes in the agent's spool waiting for delivery.",
            [(labels, "\(spool.bytes)")])
        metric(
            "fathom_agent_spool_dropped_batches_total", "counter",
            "Batches dropped from a full spool since the agent started.", [(labels, "\(spool.droppedBatches)")])
        metric(
            "fathom_agent_delivered_batches_total", "counter",
            "Batches the receiver acknowledged since the agent started.", [(labels, "\(s.deliveredBatches)")])
        metric(
            "fathom_agent_failovers_total", "counter",
            "Uploads the next receiver of the list took because the current one was unavailable.",
            [(labels, "\(s.failovers)")])
        if let at = s.lastDeliveryAt {
            metric(
                "fathom_agent_last_delivery_timestamp_seconds", "gauge",
                "Unix time of the last upload the receiver acknowledged.", [(labels, number(at))])
        }
        metric(
            "fathom_agent_samples_total", "counter", "Samples taken since the agent started.",
            [(labels, "\(s.samples)")])
        if let d = s.lastSampleDurationSeconds {
            metric(
                "fathom_agent_sample_duration_seconds", "gauge", "How long the last sample took.",
                [(labels, number(d))])
        }
        let results = ["failed", "succeeded"]
        metric(
            "fathom_agent_test_runs_total", "counter", "Scheduled network-test runs by result since the agent started.",
            results.map { ("{cluster=\"\(escape(cluster))\",result=\"\($0)\"}", "\(s.testRuns[$0] ?? 0)") })
        return out
    }

    /// A float as Prometheus reads it (no exponent surprises for ordinary values).
    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }

    /// Label values escape backslash, double quote and newline.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}
