import FathomShared

/// Gathers the `sonar sysinfo` report from /proc/cpuinfo, /proc/meminfo and the GPU probes.
///
/// ```swift
/// let collector = SysinfoCollector(procfs: LinuxProcFS(), gpu: probes)
/// let json = await collector.sysinfoJSON()
/// ```
public struct SysinfoCollector: Sendable {
    let procfs: any ProcFS
    let gpu: [any GPUProbe]

    public init(procfs: any ProcFS, gpu: [any GPUProbe]) {
        self.procfs = procfs
        self.gpu = gpu
    }

    public func report() async -> SysinfoReport {
        // /proc reads and gethostname block like any file read: off the cooperative pool, as in the sampler.
        let (now, cpu, memTotal, hostname) = await BlockingWork.run { [procfs] in
            (
                procfs.now(), CPUInfo(parsing: procfs.read("cpuinfo") ?? ""),
                procfs.read("meminfo").flatMap { ProcText.kibValue("MemTotal", in: $0) } ?? 0, procfs.hostname()
            )
        }
        let timestamp = SonarTimestamp.format(epochSeconds: now.epochSeconds, utcOffsetSeconds: now.utcOffsetSeconds)
        var cards: [GPUCard] = []
        for probe in gpu {
            // A failing probe leaves the card list short; sysinfo has no failure field to report it.
            if let found = try? await probe.cards() { cards += found }
        }
        return SysinfoReport(
            timestamp: timestamp, hostname: hostname, cpu: cpu, memTotalKiB: memTotal, cards: cards)
    }

    /// The report as one line of JSON (sonar 0.13+ style; 0.12 pretty-printed the same object).
    public func sysinfoJSON() async -> String {
        JSONText.string(await report().json)
    }
}
