/// The CPU topology sonar 0.12 derives from /proc/cpuinfo.
///
/// Sockets are the distinct `physical id`s, `cpu cores` is cores per socket and
/// `siblings / cpu cores` threads per core. Architectures without those keys (many aarch64
/// kernels) are read as one socket with one core per `processor` entry.
public struct CPUInfo: Sendable, Equatable {
    public var model: String
    public var sockets: Int
    public var coresPerSocket: Int
    public var threadsPerCore: Int

    /// Logical CPUs: sockets × cores × threads, sonar's `cpu_cores`.
    public var logicalCPUs: Int { sockets * coresPerSocket * threadsPerCore }

    public init(model: String, sockets: Int, coresPerSocket: Int, threadsPerCore: Int) {
        self.model = model
        self.sockets = sockets
        self.coresPerSocket = coresPerSocket
        self.threadsPerCore = threadsPerCore
    }

    public init(parsing text: String) {
        var model: String?
        var physicalIDs: Set<String> = []
        var cores: Int?
        var siblings: Int?
        var processors = 0
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingSpaces()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            switch key {
            case "processor": processors += 1
            // aarch64 has no "model name"; "Model" / "CPU part" are the closest it offers.
            case "model name", "Model": if model == nil { model = String(value) }
            case "physical id": physicalIDs.insert(String(value))
            case "cpu cores": if cores == nil { cores = Int(value) }
            case "siblings": if siblings == nil { siblings = Int(value) }
            default: break
            }
        }
        self.model = model ?? "Unknown CPU"
        if let cores, cores > 0 {
            sockets = max(1, physicalIDs.count)
            coresPerSocket = cores
            threadsPerCore = max(1, (siblings ?? cores) / cores)
        } else {
            sockets = 1
            coresPerSocket = max(1, processors)
            threadsPerCore = 1
        }
    }
}
