import FathomShared
import Foundation

/// What one committed upload tells the fleet registry: which hosts it came from and their newest
/// sample time, or the node description of a sysinfo upload, plus the agent's version and spool
/// backlog from the request headers. Read from the already validated appends, so nothing here can
/// refuse an upload; headers that do not parse are ignored.
///
/// ```swift
/// let upload = FleetUpload.samples(cluster: "fox", appends: appends, agentVersion: "0.1.0", backlog: nil)
/// registry.record(upload, at: now)
/// ```
public struct FleetUpload: Sendable, Equatable {
    /// A sysinfo upload's node description.
    public struct Sysinfo: Sendable, Equatable {
        public var cores: Int?
        public var memoryGB: Int?
        public var gpus: Int?
        public var timestamp: Int64?
    }

    public var cluster: String
    /// Host → newest sample time in this upload (nil for sysinfo).
    public var hosts: [String: Int64?]
    public var sysinfo: Sysinfo?
    public var agentVersion: String?
    public var backlog: SpoolBacklog?

    public var isSamples: Bool { sysinfo == nil }

    /// The longest agent version shown; a longer header is ignored.
    static let maxVersionLength = 64
    private static let timeField = FreeCSVScanner(names: ["time"])

    public static func samples(
        cluster: String, appends: [FileAppend], agentVersion: String?, backlog: SpoolBacklog?
    ) -> FleetUpload {
        var hosts: [String: Int64?] = [:]
        for append in appends {
            guard let host = hostName(append.relativePath, prefix: "", suffix: ".csv") else { continue }
            let newest = [hosts[host] ?? nil, lastLineTime(append.bytes)].compactMap { $0 }.max()
            hosts.updateValue(newest, forKey: host)
        }
        return FleetUpload(
            cluster: cluster, hosts: hosts, sysinfo: nil, agentVersion: cleanVersion(agentVersion), backlog: backlog)
    }

    private struct SysinfoFields: Decodable {
        var timestamp: String?
        var cpuCores: Int?
        var memGB: Int?
        var gpuCards: Int?

        enum CodingKeys: String, CodingKey {
            case timestamp
            case cpuCores = "cpu_cores"
            case memGB = "mem_gb"
            case gpuCards = "gpu_cards"
        }
    }

    public static func sysinfo(
        cluster: String, appends: [FileAppend], agentVersion: String?, backlog: SpoolBacklog?
    ) -> FleetUpload {
        var hosts: [String: Int64?] = [:]
        var info = Sysinfo()
        for append in appends {
            guard let host = hostName(append.relativePath, prefix: "sysinfo-", suffix: ".json") else { continue }
            hosts.updateValue(nil, forKey: host)
            if let fields = try? JSONDecoder().decode(SysinfoFields.self, from: Data(append.bytes)) {
                info = Sysinfo(
                    cores: fields.cpuCores, memoryGB: fields.memGB, gpus: fields.gpuCards,
                    timestamp: fields.timestamp.flatMap { SonarTimestamp.parse($0[...])?.epochSeconds })
            }
        }
        return FleetUpload(
            cluster: cluster, hosts: hosts, sysinfo: info, agentVersion: cleanVersion(agentVersion), backlog: backlog)
    }

    /// `<cluster>/<YYYY>/<MM>/<DD>/<prefix><host><suffix>` → host.
    static func hostName(_ relativePath: String, prefix: String, suffix: String) -> String? {
        guard let slash = relativePath.lastIndex(of: "/") else { return nil }
        let file = relativePath[relativePath.index(after: slash)...]
        guard file.hasPrefix(prefix), file.hasSuffix(suffix), file.count > prefix.count + suffix.count else {
            return nil
        }
        return String(file.dropFirst(prefix.count).dropLast(suffix.count))
    }

    /// The `time` of the last line: a sample's lines share it, and an upload's samples come in order.
    static func lastLineTime(_ bytes: [UInt8]) -> Int64? {
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") {
            end -= 1
        }
        let start = bytes[..<end].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? bytes.startIndex
        guard start < end, let time = (try? timeField.scan(bytes[start..<end]))?.first ?? nil else { return nil }
        return SonarTimestamp.parse(time[...])?.epochSeconds
    }

    /// Printable ASCII up to `maxVersionLength`, else nothing (the header comes from the network).
    static func cleanVersion(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= maxVersionLength,
            value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f })
        else { return nil }
        return value
    }
}
