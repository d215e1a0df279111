import FathomAgent
import FathomTestSupport
import Foundation

/// A directory laid out like /sys for the interface sampler: each interface a device directory
/// (`devices/pci0000:00/0000:00:03.0/net/<if>` or `devices/virtual/net/<if>`) with its attributes
/// and statistics, linked from `class/net/<if>` as the kernel does.
struct SysNetFixture {
    let directory = TempDirectory("fathom-sysnet")
    var root: String { directory.path }
    var sysfs: LinuxSysFS { LinuxSysFS(root: root) }

    /// The device directory of each interface, by name.
    private(set) var devices: [String: String] = [:]

    init() {
        try! FileManager.default.createDirectory(atPath: root + "/class/net", withIntermediateDirectories: true)
    }

    /// Adds an interface with every attribute the sampler reads; counters all `counter`.
    mutating func add(
        _ name: String, index: Int, virtual: Bool = false, operstate: String = "up", flags: String = "0x1003",
        speed: String? = "1000", mtu: Int = 1500, address: String = "52:54:00:12:34:56", alias: String = "",
        counter: UInt64 = 0
    ) throws {
        let device = virtual ? "devices/virtual/net/\(name)" : "devices/pci0000:00/0000:00:0\(index).0/net/\(name)"
        devices[name] = device
        try FileManager.default.createDirectory(
            atPath: root + "/" + device + "/statistics", withIntermediateDirectories: true)
        try write(name, "ifindex", "\(index)")
        try write(name, "operstate", operstate)
        try write(name, "flags", flags)
        try write(name, "mtu", "\(mtu)")
        try write(name, "address", address)
        try write(name, "ifalias", alias)
        if let speed { try write(name, "speed", speed) }
        for stat in Self.statistics { try write(name, "statistics/" + stat, "\(counter)") }
        try FileManager.default.createSymbolicLink(
            atPath: root + "/class/net/" + name, withDestinationPath: "../../" + device)
    }

    func write(_ name: String, _ attribute: String, _ value: String) throws {
        try (value + "\n").write(
            toFile: root + "/" + devices[name]! + "/" + attribute, atomically: false, encoding: .utf8)
    }

    func setCounter(_ name: String, _ stat: String, _ value: UInt64) throws {
        try write(name, "statistics/" + stat, "\(value)")
    }

    mutating func remove(_ name: String) throws {
        try FileManager.default.removeItem(atPath: root + "/class/net/" + name)
        try FileManager.default.removeItem(atPath: root + "/" + devices[name]!)
        devices[name] = nil
    }

    /// What `ip link set <old> name <new>` does to sysfs: the device directory and its link move.
    mutating func rename(_ old: String, to new: String) throws {
        let device = devices[old]!
        let moved = String(device.dropLast(old.count)) + new
        try FileManager.default.moveItem(atPath: root + "/" + device, toPath: root + "/" + moved)
        try FileManager.default.removeItem(atPath: root + "/class/net/" + old)
        try FileManager.default.createSymbolicLink(
            atPath: root + "/class/net/" + new, withDestinationPath: "../../" + moved)
        devices[old] = nil
        devices[new] = moved
    }

    static let statistics = [
        "rx_bytes", "tx_bytes", "rx_packets", "tx_packets", "rx_errors", "tx_errors", "rx_dropped", "tx_dropped",
    ]
}
