import FathomShared

/// The sonar 0.9–0.12 `sonar sysinfo` JSON object.
///
/// Receivers require non-empty `timestamp` and `hostname`; the rest describes the node once a day.
public struct SysinfoReport: Sendable, Equatable {
    public var timestamp: String
    public var hostname: String
    /// `"{sockets}x{cores}[ (hyperthreaded)] {model}, {mem} GiB[, Nx {gpu model} @ {n}GiB]"`.
    public var description: String
    public var cpuCores: Int
    public var memGB: Int
    public var gpuCards: Int
    public var gpumemGB: Int

    public init(
        timestamp: String, hostname: String, description: String, cpuCores: Int, memGB: Int, gpuCards: Int,
        gpumemGB: Int
    ) {
        self.timestamp = timestamp
        self.hostname = hostname
        self.description = description
        self.cpuCores = cpuCores
        self.memGB = memGB
        self.gpuCards = gpuCards
        self.gpumemGB = gpumemGB
    }

    /// The object under sonar's snake_case keys, which sonalyze and the receiver read.
    public var json: JSONValue {
        .object([
            "timestamp": .string(timestamp), "hostname": .string(hostname), "description": .string(description),
            "cpu_cores": .integer(Int64(cpuCores)), "mem_gb": .integer(Int64(memGB)),
            "gpu_cards": .integer(Int64(gpuCards)),
            "gpumem_gb": .integer(Int64(gpumemGB)),
        ])
    }

    public init(json: JSONValue) throws(JSONFields.Mismatch) {
        let fields = try JSONFields(json, what: "sysinfo")
        self.init(
            timestamp: try fields.string("timestamp"), hostname: try fields.string("hostname"),
            description: try fields.string("description"), cpuCores: try fields.integer("cpu_cores"),
            memGB: try fields.integer("mem_gb"), gpuCards: try fields.integer("gpu_cards"),
            gpumemGB: try fields.integer("gpumem_gb"))
    }

    /// Builds the report, including sonar's human-readable `description`.
    init(timestamp: String, hostname: String, cpu: CPUInfo, memTotalKiB: Int, cards: [GPUCard]) {
        let gib = 1024.0 * 1024.0
        let memGB = Int((Double(memTotalKiB) / gib).rounded())
        var description = "\(cpu.sockets)x\(cpu.coresPerSocket)"
        if cpu.threadsPerCore > 1 { description += " (hyperthreaded)" }
        description += " \(cpu.model), \(memGB) GiB"
        // Cards are grouped by model so a mixed node reads "2x A100 @ 40GiB, 1x T4 @ 16GiB".
        var models: [String] = []
        var byModel: [String: [GPUCard]] = [:]
        for card in cards {
            if byModel[card.model] == nil { models.append(card.model) }
            byModel[card.model, default: []].append(card)
        }
        for model in models {
            let group = byModel[model] ?? []
            let perCard = Int((Double(group[0].memoryKiB) / gib).rounded())
            description += ", \(group.count)x \(model) @ \(perCard)GiB"
        }
        let totalGPUMemKiB = cards.reduce(0) { $0 + $1.memoryKiB }
        self.init(
            timestamp: timestamp, hostname: hostname, description: description, cpuCores: cpu.logicalCPUs,
            memGB: memGB, gpuCards: cards.count, gpumemGB: Int((Double(totalGPUMemKiB) / gib).rounded()))
    }
}
