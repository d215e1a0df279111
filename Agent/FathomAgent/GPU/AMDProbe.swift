import FathomShared

/// AMD GPU data from `rocm-smi`, parsed the sonar 0.12 way.
///
/// rocm-smi reports utilization per card only, so each card's `GPU%` and `VRAM%` are divided
/// evenly among the processes `--showpidgpus` lists on it (an approximation sonar also makes).
public struct AMDProbe: GPUProbe {
    public let vendor = "amd"
    let runner: any CommandRunner
    let timeout: Duration

    public init(runner: any CommandRunner, timeout: Duration = .seconds(5)) {
        self.runner = runner
        self.timeout = timeout
    }

    public func processUsage() async throws -> [GPUProcessUsage] {
        let concise = Self.parseConcise(try await runner.run(["rocm-smi"], timeout: timeout))
        let pids = try Self.parseShowPidGPUs(try await runner.run(["rocm-smi", "--showpidgpus"], timeout: timeout))
        var sharers: [Int: Int] = [:]
        for (_, cards) in pids { for card in cards { sharers[card, default: 0] += 1 } }
        var result: [GPUProcessUsage] = []
        for (pid, cards) in pids {
            for card in cards {
                let (gpu, mem) = concise[card] ?? (0, 0)
                let n = Double(sharers[card] ?? 1)
                result.append(
                    GPUProcessUsage(
                        pid: pid, card: card, command: nil, gpuPercent: gpu / n, memPercent: mem / n, memKiB: 0))
            }
        }
        return result
    }

    public func cards() async throws -> [GPUCard] {
        let names = Self.perCardValues(
            try await runner.run(["rocm-smi", "--showproductname"], timeout: timeout), key: "Card series")
        let memory = Self.perCardValues(
            try await runner.run(["rocm-smi", "--showmeminfo", "vram"], timeout: timeout), key: "VRAM Total Memory (B)")
        return names.keys.sorted().map { index in
            GPUCard(index: index, model: names[index] ?? "", memoryKiB: (memory[index].flatMap { Int($0) } ?? 0) / 1024)
        }
    }

    /// Card → (GPU%, VRAM%) from the `Concise Info` table, whose last two columns are VRAM% and GPU%.
    static func parseConcise(_ text: String) -> [Int: (Double, Double)] {
        let block = Self.block(text, trigger: "Concise Info")
        guard let header = block.first?.split(separator: " "), header.count >= 2,
            header[header.count - 2] == "VRAM%", header[header.count - 1] == "GPU%"
        else { return [:] }
        var result: [Int: (Double, Double)] = [:]
        for line in block.dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count >= 3, let card = Int(fields[0]) else { continue }
            func percent(_ s: Substring) -> Double { Double(s.hasSuffix("%") ? s.dropLast() : s) ?? 0 }
            result[card] = (percent(fields[fields.count - 1]), percent(fields[fields.count - 2]))
        }
        return result
    }

    /// pid → cards from `PID 28156 is using 2 DRM device(s):` followed by a line `0 1`.
    static func parseShowPidGPUs(_ text: String) throws -> [(Int, [Int])] {
        let block = Self.block(text, trigger: "GPUs Indexed by PID")
        var result: [(Int, [Int])] = []
        var index = 0
        while index < block.count {
            let words = block[index].split(separator: " ")
            if words.first == "No" { break }
            guard words.count >= 6, words[0] == "PID", let pid = Int(words[1]), let count = Int(words[4]) else {
                throw GPUProbeError("unreadable rocm-smi --showpidgpus line: \(block[index])")
            }
            let cards =
                count > 0 && index + 1 < block.count
                ? block[index + 1].split(separator: " ").compactMap { Int($0) } : []
            result.append((pid, cards))
            index += 2
        }
        return result
    }

    /// `GPU[0]  : Card series:  Navi 21` → [0: "Navi 21"].
    static func perCardValues(_ text: String, key: String) -> [Int: String] {
        var result: [Int: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("GPU[") {
            guard let close = line.firstIndex(of: "]"),
                let card = Int(line[line.index(line.startIndex, offsetBy: 4)..<close]),
                let value = line.after(first: key + ":")
            else { continue }
            result[card] = String(value.trimmingSpaces())
        }
        return result
    }

    /// The lines after the `=== trigger ===` banner up to the next all-`=` line.
    private static func block(_ text: String, trigger: String) -> [Substring] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.includes(trigger) }) else { return [] }
        return Array(
            lines[(start + 1)...].prefix { !$0.allSatisfy { $0 == "=" } || $0.isEmpty }
                .filter { !$0.trimmingSpaces().isEmpty })
    }
}
