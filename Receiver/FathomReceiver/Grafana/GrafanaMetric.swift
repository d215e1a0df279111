import FathomShared

/// The metrics the Grafana data source offers, by the name a target's `target` carries
/// (`host.cpu`, `cluster.rssanonkib`, `job.gpu`, `user.cpu`, `jobs.top`, `archive.throughput`, …),
/// each with the payload fields its editor shows.
///
/// ```swift
/// GrafanaMetric("host.cpu")   // .usage(.host, .cpuPercent)
/// GrafanaMetric("host.nope")  // nil: answered 400
/// ```
enum GrafanaMetric: Sendable, Equatable {
    enum Scope: String, Sendable, CaseIterable {
        case host, cluster, job, user
    }

    /// The archive series offered, and the esmond event type each reads.
    enum ArchiveSeries: String, Sendable, CaseIterable {
        case throughput
        case packetLoss = "packet-loss"
        case rtt
        case latency
        case series

        var eventType: String? {
            switch self {
            case .throughput: return "throughput"
            case .packetLoss: return "packet-loss-rate"
            case .rtt: return "histogram-rtt"
            case .latency: return "histogram-owdelay"
            case .series: return nil
            }
        }
    }

    /// The interface series offered (per-second rates from the interface store), and the esmond
    /// endpoint each reads.
    enum InterfaceSeries: String, Sendable, CaseIterable {
        case trafficIn = "traffic-in"
        case trafficOut = "traffic-out"
        case errorsIn = "errors-in"
        case errorsOut = "errors-out"
        case discardsIn = "discards-in"
        case discardsOut = "discards-out"

        var endpoint: DeviceEndpoint {
            switch self {
            case .trafficIn: .trafficIn
            case .trafficOut: .trafficOut
            case .errorsIn: .errorIn
            case .errorsOut: .errorOut
            case .discardsIn: .discardIn
            case .discardsOut: .discardOut
            }
        }
    }

    case usage(Scope, IndexSeriesQuery.Quantity)
    case interface(InterfaceSeries)
    case topJobs
    case archive(ArchiveSeries)
    case traceChanges

    init?(_ name: String) {
        switch name {
        case "jobs.top": self = .topJobs
        case "archive.trace-changes": self = .traceChanges
        default:
            let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            if parts[0] == "archive", let series = ArchiveSeries(rawValue: parts[1]) {
                self = .archive(series)
                return
            }
            if parts[0] == "interface", let series = InterfaceSeries(rawValue: parts[1]) {
                self = .interface(series)
                return
            }
            guard let scope = Scope(rawValue: parts[0]), let quantity = IndexSeriesQuery.Quantity(rawValue: parts[1]),
                quantity.applies(to: scope.sample)
            else { return nil }
            self = .usage(scope, quantity)
        }
    }

    var name: String {
        switch self {
        case .usage(let scope, let quantity): return scope.rawValue + "." + quantity.rawValue
        case .topJobs: return "jobs.top"
        case .interface(let series): return "interface." + series.rawValue
        case .archive(let series): return "archive." + series.rawValue
        case .traceChanges: return "archive.trace-changes"
        }
    }

    var label: String {
        switch self {
        case .usage(let scope, let quantity):
            let whose = ["host": "Host", "cluster": "Cluster total", "job": "Job", "user": "User"][scope.rawValue]!
            return whose + " " + quantity.label
        case .topJobs: return "Top jobs by CPU (table)"
        case .interface(let series):
            let words = series.rawValue.split(separator: "-").joined(separator: " ")
            return "Interface \(words) (\(series.endpoint.oidset == "FastPollHC" ? "bytes/s" : "packets/s"))"
        case .archive(.throughput): return "Throughput (bit/s)"
        case .archive(.packetLoss): return "Packet loss rate"
        case .archive(.rtt): return "Round-trip time, mean (ms)"
        case .archive(.latency): return "One-way latency, mean (ms)"
        case .archive(.series): return "Archive series (any numeric event type)"
        case .traceChanges: return "Trace path changes (table)"
        }
    }

    /// Every metric, in the order the editor lists them.
    static let all: [GrafanaMetric] = {
        var out: [GrafanaMetric] = []
        for scope in Scope.allCases {
            for quantity in IndexSeriesQuery.Quantity.allCases where quantity.applies(to: scope.sample) {
                out.append(.usage(scope, quantity))
            }
        }
        out.append(.topJobs)
        out += InterfaceSeries.allCases.map { .interface($0) }
        out += ArchiveSeries.allCases.map { .archive($0) }
        out.append(.traceChanges)
        return out
    }()

    /// simpod payload descriptors: what the editor asks for this metric.
    var payloads: [JSONValue] {
        func field(_ name: String, _ label: String, _ type: String, reload: Bool = false) -> JSONValue {
            var o: [String: JSONValue] = ["name": .string(name), "label": .string(label), "type": .string(type)]
            if reload { o["reloadMetric"] = .bool(true) }
            return .object(o)
        }
        let cluster = field("cluster", "Cluster", "select", reload: true)
        switch self {
        case .usage(.host, _): return [cluster, field("host", "Hosts", "multi-select")]
        case .usage(.cluster, _): return [cluster]
        case .usage(.job, _): return [cluster, field("job", "Job", "select")]
        case .usage(.user, _): return [cluster, field("user", "User", "select")]
        case .topJobs: return [cluster, field("limit", "Top N", "input")]
        case .interface:
            return [
                cluster, field("host", "Host", "select", reload: true),
                field("interface", "Interfaces", "multi-select"),
            ]
        case .archive(.series):
            return [
                field("source", "Source", "select"), field("destination", "Destination", "select"),
                field("event-type", "Event type", "select"),
            ]
        case .archive, .traceChanges:
            return [field("source", "Source", "select"), field("destination", "Destination", "select")]
        }
    }

    var usesIndex: Bool {
        switch self {
        case .usage, .topJobs: return true
        case .interface, .archive, .traceChanges: return false
        }
    }
}

extension GrafanaMetric.Scope {
    /// A representative index scope, for asking which quantities apply.
    var sample: IndexSeriesQuery.Scope {
        switch self {
        case .host: return .host(cluster: "", host: "")
        case .cluster: return .cluster("")
        case .job: return .job(cluster: "", job: "")
        case .user: return .user(cluster: "", user: "")
        }
    }
}

extension IndexSeriesQuery.Quantity {
    var label: String {
        switch self {
        case .cpuPercent: return "CPU %"
        case .cpuKiB: return "memory (cpukib, KiB)"
        case .rssAnonKiB: return "resident anonymous memory (KiB)"
        case .gpuPercent: return "GPU %"
        case .gpuMemPercent: return "GPU memory %"
        case .gpuKiB: return "GPU memory (KiB)"
        case .processes: return "processes"
        case .jobs: return "distinct jobs"
        case .users: return "distinct users"
        case .hosts: return "hosts reporting"
        }
    }
}
