import Foundation

/// Sonar sample lines for the Grafana tests, and the sums the index must hold, computed here from
/// the lines themselves (split on `,` and `=`), independently of the receiver's parser.
struct GrafanaSamples {
    /// 2026-11-25T10:00:00Z.
    static let t0: Int64 = 1_795_600_800
    static let hosts = ["c1", "c2", "c3"]
    static let samples = 12
    static let step: Int64 = 300

    static func iso(_ t: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(t)))
    }

    /// Sends `uploads` to cluster `fox` of `fixture` as concurrent nodes, one task per host, each
    /// host's uploads in order (so the receiver's groups hold several uploads and files); any
    /// answer but 200 fails.
    static func upload(_ uploads: [(host: String, time: Int64, body: String)], to fixture: ReceiverFixture) async throws
    {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for host in hosts {
                group.addTask {
                    for u in uploads where u.host == host {
                        let r = try await fixture.client.send(
                            fixture.url("/sonar-freecsv"), user: "fox", password: "fox-secret", body: u.body)
                        guard r.status == 200 else { throw TestFailure("upload: \(r.status) \(r.body)") }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// One upload per (host, sample): a few processes in jobs 500–502 (alice, bob) and one outside
    /// any job (root, job 0); c3's last sample is a heartbeat only.
    static func uploads(hosts: [String] = hosts, samples: Int = samples) -> [(host: String, time: Int64, body: String)]
    {
        var out: [(String, Int64, String)] = []
        for (h, host) in hosts.enumerated() {
            for k in 0..<samples {
                let t = t0 + Int64(k) * step
                let time = iso(t)
                if host == "c3" && k == samples - 1 {
                    out.append((host, t, "v=0.12.2,time=\(time),host=\(host),user=_sonar_,cmd=_heartbeat_\n"))
                    continue
                }
                var lines: [String] = []
                for p in 0..<(2 + (h + k) % 3) {
                    let job = 500 + p % 3
                    let user = job == 501 ? "bob" : "alice"
                    let cpu = Double((h * 7 + k * 3 + p * 11) % 97) + 0.5
                    var line =
                        "v=0.12.2,time=\(time),host=\(host),user=\(user),cmd=sim\(p),job=\(job),pid=\(1000 + p),"
                        + "cpu%=\(cpu),cpukib=\(1000 * (p + 1) + k),rssanonkib=\(800 * (p + 1) + h),cputime_sec=60"
                    if p == 0 { line += ",gpu%=50.25,gpumem%=10.5,gpukib=2048" }
                    lines.append(line)
                }
                lines.append(
                    "v=0.12.2,time=\(time),host=\(host),user=root,cmd=sshd,job=0,pid=99,cpu%=0.25,cpukib=64,rssanonkib=32"
                )
                out.append((host, t, lines.joined(separator: "\n") + "\n"))
            }
        }
        return out
    }

    /// The sums of one set of records.
    struct Sums: Equatable {
        var cpu = 0.0, cpukib = 0.0, rssanonkib = 0.0, gpu = 0.0, gpumem = 0.0, gpukib = 0.0, processes = 0.0
        var jobs: Set<String> = [], users: Set<String> = []

        func value(_ quantity: String) -> Double {
            switch quantity {
            case "cpu": return cpu
            case "cpukib": return cpukib
            case "rssanonkib": return rssanonkib
            case "gpu": return gpu
            case "gpumem": return gpumem
            case "gpukib": return gpukib
            case "processes": return processes
            case "jobs": return Double(jobs.count)
            case "users": return Double(users.count)
            default: return .nan
            }
        }
    }

    /// Sums per (host, time), per (job, time), per (user, time) and per time for the cluster.
    struct Expected {
        var host: [String: [Int64: Sums]] = [:]
        var job: [String: [Int64: Sums]] = [:]
        var user: [String: [Int64: Sums]] = [:]
        var cluster: [Int64: Sums] = [:]
        var hostsAt: [Int64: Set<String>] = [:]
    }

    static func expected(_ text: String) -> Expected {
        var e = Expected()
        let formatter = ISO8601DateFormatter()
        for line in text.split(separator: "\n") {
            var f: [String: String] = [:]
            for field in line.split(separator: ",") {
                let kv = field.split(separator: "=", maxSplits: 1)
                f[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
            }
            let t = Int64(formatter.date(from: f["time"]!)!.timeIntervalSince1970)
            let host = f["host"]!
            e.hostsAt[t, default: []].insert(host)
            if e.host[host]?[t] == nil { e.host[host, default: [:]][t] = Sums() }
            if e.cluster[t] == nil { e.cluster[t] = Sums() }
            guard f["cmd"] != "_heartbeat_" else { continue }
            var s = Sums()
            s.cpu = Double(f["cpu%"] ?? "0")!
            s.cpukib = Double(f["cpukib"] ?? "0")!
            s.rssanonkib = Double(f["rssanonkib"] ?? "0")!
            s.gpu = Double(f["gpu%"] ?? "0")!
            s.gpumem = Double(f["gpumem%"] ?? "0")!
            s.gpukib = Double(f["gpukib"] ?? "0")!
            s.processes = 1
            let job = f["job"] ?? "0"
            let user = f["user"] ?? ""
            func add(_ into: inout Sums) {
                into.cpu += s.cpu
                into.cpukib += s.cpukib
                into.rssanonkib += s.rssanonkib
                into.gpu += s.gpu
                into.gpumem += s.gpumem
                into.gpukib += s.gpukib
                into.processes += 1
                if job != "0" { into.jobs.insert(job) }
                into.users.insert(user)
            }
            add(&e.host[host]![t]!)
            add(&e.cluster[t]!)
            if job != "0" { add(&e.job[job, default: [:]][t, default: Sums()]) }
            add(&e.user[user, default: [:]][t, default: Sums()])
        }
        return e
    }
}
