/// NVIDIA GPU data from `nvidia-smi`, parsed the sonar 0.12 way.
///
/// Per-process data comes from `pmon` (card, fb MiB, sm %, mem %); `--query-compute-apps` adds
/// processes pmon does not list, which is how memory held by dead or foreign-namespace processes
/// is still seen.
public struct NvidiaProbe: GPUProbe {
    public let vendor = "nvidia"
    let runner: any CommandRunner
    let timeout: Duration

    static let pmonCommand = ["nvidia-smi", "pmon", "-c", "1", "-s", "mu"]
    static let queryAppsCommand = [
        "nvidia-smi", "--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits",
    ]
    static let queryCardsCommand = ["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"]

    public init(runner: any CommandRunner, timeout: Duration = .seconds(5)) {
        self.runner = runner
        self.timeout = timeout
    }

    public func processUsage() async throws -> [GPUProcessUsage] {
        let pmon = try Self.parsePmon(try await runner.run(Self.pmonCommand, timeout: timeout))
        let seen = Set(pmon.map(\.pid))
        let apps = try Self.parseComputeApps(try await runner.run(Self.queryAppsCommand, timeout: timeout))
        return pmon + apps.filter { !seen.contains($0.pid) }
    }

    public func cards() async throws -> [GPUCard] {
        let text = try await runner.run(Self.queryCardsCommand, timeout: timeout)
        var cards: [GPUCard] = []
        for line in text.split(separator: "\n") where !line.trimmingSpaces().isEmpty {
            // The model name never contains a comma, the memory is the last column.
            guard let comma = line.lastIndex(of: ","), let mib = Int(line[line.index(after: comma)...].trimmingSpaces())
            else { throw GPUProbeError("unreadable --query-gpu line: \(line)") }
            cards.append(
                GPUCard(index: cards.count, model: String(line[..<comma].trimmingSpaces()), memoryKiB: mib * 1024))
        }
        return cards
    }

    /// Parses `nvidia-smi pmon -c 1 -s mu`. Columns are located by the `# gpu pid …` header because
    /// newer drivers add `jpg`/`ofa`; `-` means "no value" and a `-` pid marks an idle card.
    static func parsePmon(_ text: String) throws -> [GPUProcessUsage] {
        var columns = ["gpu", "pid", "type", "fb", "sm", "mem", "enc", "dec", "command"]
        var result: [GPUProcessUsage] = []
        for line in text.split(separator: "\n") {
            let tokens = line.split(separator: " ", omittingEmptySubsequences: true)
            guard !tokens.isEmpty else { continue }
            if tokens[0].hasPrefix("#") {
                let names = line.drop(while: { $0 != "#" }).dropFirst().split(separator: " ").map(String.init)
                if names.contains("pid") && names.contains("gpu") { columns = names }
                continue
            }
            func column(_ name: String) -> Substring? {
                guard let i = columns.firstIndex(of: name), i < tokens.count else { return nil }
                return tokens[i]
            }
            guard let cardText = column("gpu"), let card = Int(cardText), let pidText = column("pid") else {
                throw GPUProbeError("unreadable pmon line: \(line)")
            }
            if pidText == "-" { continue }
            guard let pid = Int(pidText) else { throw GPUProbeError("unreadable pmon pid: \(line)") }
            let commandIndex = columns.firstIndex(of: "command") ?? columns.count - 1
            let command = tokens.count > commandIndex ? tokens[commandIndex...].joined(separator: " ") : nil
            result.append(
                GPUProcessUsage(
                    pid: pid, card: card, command: command,
                    gpuPercent: column("sm").flatMap { Double($0) } ?? 0,
                    memPercent: column("mem").flatMap { Double($0) } ?? 0,
                    memKiB: (column("fb").flatMap { Int($0) } ?? 0) * 1024))
        }
        return result
    }

    /// Parses `--query-compute-apps=pid,used_memory` lines like `2233095, 1190` (MiB).
    static func parseComputeApps(_ text: String) throws -> [GPUProcessUsage] {
        try text.split(separator: "\n").compactMap { line -> GPUProcessUsage? in
            let parts = line.split(separator: ",").map { $0.trimmingSpaces() }
            if parts.isEmpty || parts.allSatisfy(\.isEmpty) { return nil }
            guard parts.count >= 2, let pid = Int(parts[0]) else {
                throw GPUProbeError("unreadable --query-compute-apps line: \(line)")
            }
            // "[N/A]" memory happens under MIG; the process still counts as a GPU user.
            let mib = Int(parts[1]) ?? 0
            return GPUProcessUsage(pid: pid, card: nil, command: nil, gpuPercent: 0, memPercent: 0, memKiB: mib * 1024)
        }
    }
}
