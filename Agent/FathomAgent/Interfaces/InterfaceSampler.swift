import FathomShared

/// Reads every selected interface's counters and description into one ``InterfaceRecord`` each,
/// all with one timestamp: from the kernel's link table in one request (``LinkTable``, rtnetlink)
/// when one is given and answers, else from `/sys/class/net/<if>/` file by file. The speed, and
/// whether a device is virtual, always come from /sys, read again only when the link may have
/// changed (``LinkFactsCache``).
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
    /// The link table read first; nil reads /sys only.
    public let links: (any LinkTable)?
    let facts = LinkFactsCache()

    public init(sysfs: any SysFS, procfs: any ProcFS, options: InterfaceOptions, links: (any LinkTable)? = nil) {
        self.sysfs = sysfs
        self.procfs = procfs
        self.options = options
        self.links = links
    }

    /// The names of the interfaces `sample()` reads now (from /sys), sorted.
    public func selectedNames() -> [String] {
        sysfs.entries("class/net").filter { options.selects($0, isVirtual: isVirtual($0, index: nil)) }
    }

    func isVirtual(_ name: String, index: Int?) -> Bool {
        facts.isVirtual(name, index: index) {
            sysfs.resolved("class/net/" + name)?.hasPrefix("devices/virtual/") ?? false
        }
    }

    /// One sample of every selected interface. Blocking reads: run it off the cooperative pool.
    public func sample() -> [InterfaceRecord] {
        let time = procfs.now().epochSeconds
        let boot = procfs.read("stat").flatMap(ProcText.bootTime(stat:)) ?? 0
        let host = procfs.hostname()
        if let entries = links?.links() {
            defer { facts.keep(only: Set(entries.map(\.name))) }
            return entries.filter { options.selects($0.name, isVirtual: isVirtual($0.name, index: $0.index)) }
                .sorted { $0.name < $1.name }
                .map { record($0, time: time, boot: boot, host: host) }
        }
        return selectedNames().compactMap { read($0, time: time, boot: boot, host: host) }
    }

    func record(_ entry: LinkEntry, time: Int64, boot: Int64, host: String) -> InterfaceRecord {
        var record = InterfaceRecord(
            time: time, bootTime: boot, host: host, name: entry.name, index: entry.index,
            operState: entry.operState, adminUp: entry.flags & 1 == 1,
            speedMbps: facts.speed(entry.name, index: entry.index, signature: "\(entry.operState) \(entry.flags)") {
                speed(entry.name)
            }, mtu: entry.mtu,
            macAddress: entry.address, alias: entry.alias, counters: entry.counters)
        record.ipv4Address = entry.ipv4Address
        return record
    }

    /// `speed` reads EINVAL on a down link and -1 on many virtual ones: both mean unknown.
    func speed(_ name: String) -> Int? {
        sysfs.read("class/net/" + name + "/speed").flatMap { Int($0.trimmingWhitespace()) }.flatMap {
            $0 > 0 ? $0 : nil
        }
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
        let address = text("address").flatMap { $0.isEmpty ? nil : $0.lowercased() }
        return InterfaceRecord(
            time: time, bootTime: boot, host: host, name: name, index: index,
            operState: text("operstate").flatMap { $0.isEmpty ? nil : $0 } ?? "unknown",
            adminUp: (flags ?? 0) & 1 == 1, speedMbps: speed(name), mtu: text("mtu").flatMap { Int($0) } ?? 0,
            macAddress: address, alias: text("ifalias") ?? "", counters: counters)
    }
}
