/// A source of per-process and per-card GPU data for one vendor.
///
/// Failures are thrown, not swallowed: the sampler turns any thrown error into `gpufail=1`.
///
/// ```swift
/// let probe = NvidiaProbe(runner: SpawnCommandRunner())
/// let usage = try await probe.processUsage()
/// ```
public protocol GPUProbe: Sendable {
    /// Short vendor name for logs ("nvidia", "amd").
    var vendor: String { get }
    /// One entry per (card, process) pair; a process on several cards appears several times.
    func processUsage() async throws -> [GPUProcessUsage]
    /// The installed cards, for sysinfo.
    func cards() async throws -> [GPUCard]
}

/// One process's use of one card (or of an unknown card) as the vendor tool reports it.
public struct GPUProcessUsage: Sendable, Equatable {
    public var pid: Int
    /// Card index; nil when the tool does not say (`--query-compute-apps`), giving `gpus=unknown`.
    public var card: Int?
    /// The tool's idea of the command name, used only for processes missing from /proc.
    public var command: String?
    /// Compute utilization in percent of one card.
    public var gpuPercent: Double
    /// Memory-controller utilization in percent of one card.
    public var memPercent: Double
    /// Memory held on the card in KiB.
    public var memKiB: Int

    public init(pid: Int, card: Int?, command: String?, gpuPercent: Double, memPercent: Double, memKiB: Int) {
        self.pid = pid
        self.card = card
        self.command = command
        self.gpuPercent = gpuPercent
        self.memPercent = memPercent
        self.memKiB = memKiB
    }
}

/// One installed GPU card.
public struct GPUCard: Sendable, Equatable {
    public var index: Int
    public var model: String
    public var memoryKiB: Int

    public init(index: Int, model: String, memoryKiB: Int) {
        self.index = index
        self.model = model
        self.memoryKiB = memoryKiB
    }
}

/// A vendor tool answered with text the probe cannot read.
public struct GPUProbeError: Error, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// Picks the probes for the vendors whose kernel modules are loaded, as sonar 0.12 does.
public enum GPUDetection {
    /// `/sys/module/nvidia` ⇒ NVIDIA probe, `/sys/module/amdgpu` ⇒ AMD probe.
    public static func probes(
        procfs: any ProcFS, runner: any CommandRunner, timeout: Duration = .seconds(5)
    ) -> [any GPUProbe] {
        var probes: [any GPUProbe] = []
        if procfs.kernelModuleLoaded("nvidia") { probes.append(NvidiaProbe(runner: runner, timeout: timeout)) }
        if procfs.kernelModuleLoaded("amdgpu") { probes.append(AMDProbe(runner: runner, timeout: timeout)) }
        return probes
    }
}
