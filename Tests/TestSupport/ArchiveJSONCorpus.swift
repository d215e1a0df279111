/// Seed documents for fuzzing JSON readers: what pScheduler and esmond clients send the archive
/// (data points, bulk data, metadata, trace hops, failures) and one of every JSON token.
///
/// ```swift
/// var mutator = InputMutator(seed: budget.seed, corpus: ArchiveJSONCorpus.documents)
/// ```
public enum ArchiveJSONCorpus {
    public static let documents: [[UInt8]] = [
        #"{"ts":1700000000,"val":[{"event-type":"throughput","val":7016320000},{"event-type":"packet-loss-rate","val":0.5}]}"#,
        #"{"data":[{"ts":1700000000,"val":[{"event-type":"histogram-rtt","val":{"0.25":3,"1.5":7}}]}]}"#,
        #"{"subject-type":"point-to-point","source":"10.0.0.1","destination":"::1","measurement-agent":"10.0.0.1","tool-name":"pscheduler/iperf3","input-source":"a","input-destination":"b","time-duration":10,"event-types":[{"event-type":"throughput","summaries":[{"summary-type":"average","summary-window":"86400"}]},{"event-type":"failures"}]}"#,
        #"{"ts":1700000001,"val":[{"ttl":1,"ip":"10.0.0.1","rtt":0.3,"mtu":1500,"query":1,"success":1,"as":{"owner":"x","number":64512}}]}"#,
        #"{"ts":1700000002,"val":{"error":"unreachable \u00e9 \"quoted\""}}"#,
        #"[1, -2.5e-3, true, false, null, "s\n\t\\", [], {}, 1E+2, 0]"#,
    ].map { Array($0.utf8) }
}
