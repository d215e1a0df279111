import FathomAgent
import FathomReceiver
import FathomShared
import FathomTestSupport
import Foundation

/// Interface sampling cost with 200 interfaces against `ip -s -j link` measured in the same run,
/// and the receiver's interface-record ingest rate.
///
/// The 200 interfaces (100 veth pairs) live in a network namespace made for the run, so the host's
/// own interfaces are left alone; the bench re-executes itself inside it (`ip netns exec`, which
/// also gives it that namespace's /sys), where every figure is taken. The bar (≤ 0.5×) is judged
/// on what the daemon pays per sample (the sampler in-process) against what a collector pays to
/// run `ip -s -j link` once per sample (exec'd); the exec'd `fathom-agent interfaces` is printed
/// beside them, its process start-up included.
struct InterfaceBenchmark {
    var samples: Int
    var uploads: Int

    func run() async throws {
        print("== interfaces: 200 interfaces in a namespace, \(samples) samples per tool ==")
        guard let ip = Subprocess.which("ip") else {
            print("ip (iproute2) not on PATH: sampling not measured")
            return try await ingest()
        }
        let namespace = "fathom-bench-if-\(getpid())"
        let pairs = (0..<100).map { "link add v\($0) type veth peer name p\($0)" }.joined(separator: "\n")
        let scratch = TempDirectory.benchScratch("fathom-bench-if")
        defer { scratch.remove() }
        do {
            try Subprocess.shell(
                "\(ip) netns add \(namespace)\nprintf '%s\\n' '\(pairs.replacingOccurrences(of: "\n", with: "' '"))'"
                    + " | \(ip) netns exec \(namespace) \(ip) -batch -", in: scratch.path)
        } catch {
            print("cannot make a namespace with 200 interfaces (\(error)): sampling not measured")
            _ = try? Subprocess.runQuietly(ip, ["netns", "del", namespace])
            return try await ingest()
        }
        defer { _ = try? Subprocess.runQuietly(ip, ["netns", "del", namespace]) }
        let me = AgentBenchmark.siblingExecutable("fathom-bench")
        let report = try Subprocess.output(
            ip, ["netns", "exec", namespace, me, "interfaces", "--inside-namespace", "--samples", String(samples)])
        print(report, terminator: "")
        try await ingest()
    }

    /// Inside the namespace: the three figures and the bar.
    func measureInside() throws {
        var options = InterfaceOptions()
        options.includeVirtual = true
        options.exclude = []
        let sampler = InterfaceSampler(
            sysfs: LinuxSysFS(), procfs: LinuxProcFS(), options: options, links: NetlinkLinkTable())
        let count = sampler.sample().count
        let before = ResourceUsage.selfCPU()
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<samples { _ = sampler.sample() }
        let wall = (clock.now - start).seconds / Double(samples)
        let used = ResourceUsage.selfCPU() - before
        let inProcess = used.total / Double(samples)
        print("(a) in-process InterfaceSampler.sample(): \(count) interfaces per sample")
        print("    CPU per sample \(fmt(inProcess * 1000)) ms, wall per sample \(fmt(wall * 1000)) ms")
        guard let ip = Subprocess.which("ip") else { return }
        let reference = try execCost(ip, ["-s", "-j", "link"])
        print("(b) reference, measured in this run: \(ip) -s -j link (fork/exec)")
        print("    \(reference.summary)")
        let agent = AgentBenchmark.siblingExecutable("fathom-agent")
        if access(agent, X_OK) == 0 {
            let exec = try execCost(agent, ["interfaces", "--virtual", "--exclude", "none"])
            print("(c) \(agent) interfaces --virtual (fork/exec, process start-up included)")
            print("    \(exec.summary); ratio to (b) \(fmt(exec.cpuPerRun / reference.cpuPerRun, 3))")
        }
        let ratio = inProcess / reference.cpuPerRun
        print(
            "bar: daemon's CPU per interface sample <= 0.5 x ip -s -j link (same run): "
                + "\(fmt(inProcess * 1000)) ms vs \(fmt(reference.cpuPerRun * 1000)) ms = \(fmt(ratio, 3)) \(verdict(ratio <= 0.5))"
        )
    }

    /// `SubprocessCost` without its line count: that runs the tool through Foundation's `Process`,
    /// which cannot start inside `ip netns exec` here (its CFSocket wake-up pair fails).
    func execCost(_ path: String, _ args: [String]) throws -> SubprocessCost {
        let clock = ContinuousClock()
        let before = ResourceUsage.childrenCPU()
        let start = clock.now
        for _ in 0..<samples { try Subprocess.runQuietly(path, args) }
        let wall = (clock.now - start).seconds
        let cpu = ResourceUsage.childrenCPU() - before
        let n = Double(samples)
        return SubprocessCost(
            runs: samples, cpu: CPUSeconds(user: cpu.user / n, system: cpu.system / n), wallPerRun: wall / n, lines: 0)
    }

    /// Records validated and stored per second by the embedded store: uploads of one host's
    /// 200-interface sample, each its own transaction committed at synchronous = FULL.
    func ingest() async throws {
        let scratch = TempDirectory.benchScratch("fathom-bench-ifstore")
        defer { scratch.remove() }
        let store = try SQLiteInterfaceStore(path: scratch.file("interfaces.sqlite"))
        let validator = InterfaceUploadValidator()
        let cluster = StorageName("bench")!
        let bodies: [[UInt8]] = (0..<uploads).map { k in
            let lines = (0..<200).map { i in
                var c = InterfaceRecord.Counters()
                c.rxBytes = UInt64(k) * 3_000_000 + UInt64(i)
                c.txBytes = UInt64(k) * 1_000_000
                return InterfaceRecord(
                    time: 1_790_000_000 + 30 * Int64(k / 8), bootTime: 1_789_000_000, host: "node\(k % 8)",
                    name: "eth\(i)", index: i + 2, operState: "up", adminUp: true, speedMbps: 10_000, mtu: 9000,
                    macAddress: "52:54:00:00:00:01", alias: "", counters: c
                ).line
            }
            return Array((lines.joined(separator: "\n") + "\n").utf8)
        }
        let clock = ContinuousClock()
        let start = clock.now
        for (k, body) in bodies.enumerated() {
            let upload = try validator.validate(body, cluster: cluster, batchID: "bench/\(k)")
            _ = try await store.store(upload)
        }
        let seconds = (clock.now - start).seconds
        let records = Double(uploads * 200)
        print(
            "(d) receiver ingest (validate + store, in-process, \(scratch.path)): \(uploads) uploads of 200 records, "
                + "\(fmt(records / seconds, 0)) records/s, \(fmt(Double(uploads) / seconds, 1)) uploads/s "
                + "(each a synchronous = FULL commit)")
    }
}
