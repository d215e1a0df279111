import FathomShared

/// Reads every selected interface's counters and description from `/sys/class/net/<if>/` into
/// one ``InterfaceRecord`` each, all with one timestamp.
///
/// An interface that vanishes between the listing and its reads is left out of that sample (its
/// statistics or index no longer read); the receiver's life-cycle table closes its row when the
/// host's next samples no longer carry it.
///
/// ```swift
/// let sampler = InterfaceSampler(sysfs: LinuxSysFS(), procfs: LinuxProcFS(), options: options)
/// for record in sampler.sample() { print(record.line) }
/// ```
public struct InterfaceSampler: Sendable {
    public let sysfs: any SysFS
    public let procfs: any ProcFS
    public let options: InterfaceOptions

    public init(sysfs: any SysFS, procfs: any ProcFS, options: InterfaceOptions) {
        self.sysfs = sysfs
        self.procfs = procfs
        self.options = options
    }

    /// The names of the interfaces `sample()` reads now, sorted.
    public func selectedNames() -> [String] {
        sysfs.entries("class/net").filter { name in
            let isVirtual = sysfs.resolved("class/net/" + name)?.hasPrefix("devices/virtual/") ?? false
            return options.selects(name, isVirtual: isVirtual)
        }
    }

    /// One sample of every selected interface. Blocking file reads: run it off the cooperative pool.
    public func sample() -> [InterfaceRecord] {
        let time = procfs.now().epochSeconds
        let boot = procfs.read("stat").flatMap(ProcText.bootTime(stat:)) ?? 0
        let host = procfs.hostname()
        return selectedNames().compactMap { read($0, time: time, boot: boot, host: host) }
    }

    func read(_ name: String, time: Int64, boot: Int64, host: String) -> InterfaceRecord? {
        let dir = "class/net/" + name + "/"
        func text(_ file: String) -> String? { sysfs.read(dir + file).map { $0.trimmingWhitespace() } }
        func counter(_ file: String) -> UInt64? { text("statistics/" + file).flatMap { UInt64($0) } }
        guard let index = text("ifindex").flatMap({ Int($0) }),
            let rxBytes = counter("rx_bytes"), let txBytes = counter("tx_bytes"),
            let rxPackets = counter("rx_packets"), let txPackets = counter("tx_packets"),
            let rxErrors = counter("rx_errors"), let txErrors = counter("tx_errors"),
            let rxDropped = counter("rx_dropped"), let txDropped = counter("tx_dropped")
        else { return nil }
        var counters = InterfaceRecord.Counters()
        counters.rxBytes = rxBytes
        counters.txBytes = txBytes
        counters.rxPackets = rxPackets
        counters.txPackets = txPackets
        counters.rxErrors = rxErrors
        counters.txErrors = txErrors
        counters.rxDropped = rxDropped
        counters.txDropped = txDropped
        // flags is hex ("0x1003"); IFF_UP is bit 0.
        let flags = text("flags").flatMap { UInt64($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) }
        // speed reads EINVAL on a down link and -1 on many virtual ones: both mean unknown.
        let speed = text("speed").flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        let address = text("address").flatMap { $0.isEmpty ? nil : $0.lowercased() }
        return InterfaceRecord(
            time: time, bootTime: boot, host: host, name: name, index: index,
            operState: text("operstate").flatMap { $0.isEmpty ? nil : $0 } ?? "unknown",
            adminUp: (flags ?? 0) & 1 == 1, speedMbps: speed, mtu: text("mtu").flatMap { Int($0) } ?? 0,
            macAddress: address, alias: text("ifalias") ?? "", counters: counters)
    }
}
