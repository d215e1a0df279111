import FathomAgent
import FathomShared
import Foundation
import Synchronization
import Testing

/// A link table that answers what the test says (nil: cannot be read).
struct FakeLinkTable: LinkTable {
    var entries: [LinkEntry]?
    func links() -> [LinkEntry]? { entries }
}

/// A link table whose links the test changes between samples.
final class ChangingLinkTable: LinkTable {
    let entries: Mutex<[LinkEntry]>
    init(_ entries: [LinkEntry]) { self.entries = Mutex(entries) }
    func links() -> [LinkEntry]? { entries.withLock { $0 } }
}

@Suite("Interfaces: link table (rtnetlink) and the sampler's use of it", .timeLimit(.minutes(2)))
struct InterfaceLinkTableTests {
    @Test("the real rtnetlink dump agrees with /sys/class/net: names, indexes, MTUs, flags and counters")
    func realNetlinkAgreesWithSys() throws {
        let sys = LinuxSysFS()
        func sysCounter(_ name: String, _ stat: String) -> UInt64 {
            UInt64(sys.read("class/net/\(name)/statistics/\(stat)")?.trimmingWhitespace() ?? "") ?? 0
        }
        let names = sys.entries("class/net")
        let before = Dictionary(uniqueKeysWithValues: names.map { ($0, sysCounter($0, "rx_bytes")) })
        let entries = try #require(NetlinkLinkTable().links())
        let after = Dictionary(uniqueKeysWithValues: names.map { ($0, sysCounter($0, "rx_bytes")) })
        #expect(entries.map(\.name).sorted() == names)
        for entry in entries {
            let dir = "class/net/\(entry.name)/"
            #expect(sys.read(dir + "ifindex")?.trimmingWhitespace() == String(entry.index), "\(entry.name)")
            #expect(sys.read(dir + "mtu")?.trimmingWhitespace() == String(entry.mtu), "\(entry.name)")
            #expect(sys.read(dir + "operstate")?.trimmingWhitespace() == entry.operState, "\(entry.name)")
            #expect(sys.read(dir + "address")?.trimmingWhitespace() == entry.address, "\(entry.name)")
            let flags = sys.read(dir + "flags").flatMap { UInt32($0.trimmingWhitespace().dropFirst(2), radix: 16) }
            #expect(flags.map { $0 & 1 } == entry.flags & 1, "\(entry.name)")
            // Read between two /sys reads, the counter lies between them.
            #expect((before[entry.name]!...after[entry.name]!).contains(entry.counters.rxBytes), "\(entry.name)")
        }
        let lo = try #require(entries.first { $0.name == "lo" })
        #expect(lo.index == 1 && lo.flags & 1 == 1 && lo.address == "00:00:00:00:00:00")
        #expect(lo.ipv4Address == "127.0.0.1", "the address dump gives lo its IPv4 address")
    }

    @Test("with a link table the sampler takes counters from it, speed and virtual-ness from /sys")
    func samplerUsesTheTable() throws {
        var fixture = SysNetFixture()
        defer { fixture.directory.remove() }
        try fixture.add("lo", index: 1, virtual: true, speed: nil)
        try fixture.add("eth0", index: 2, speed: "25000")
        try fixture.add("veth9", index: 9, virtual: true, speed: "10000")
        var counters = InterfaceRecord.Counters()
        counters.rxBytes = 1 << 40
        counters.txDropped = 3
        let table = FakeLinkTable(entries: [
            LinkEntry(
                name: "veth9", index: 9, flags: 0x1003, operState: "up", mtu: 1500, address: "aa:bb:cc:dd:ee:ff",
                alias: "", counters: counters),
            LinkEntry(
                name: "eth0", index: 2, flags: 0x1002, operState: "lowerlayerdown", mtu: 9000, address: nil,
                alias: "core", counters: counters),
            LinkEntry(
                name: "lo", index: 1, flags: 0x9, operState: "unknown", mtu: 65536, address: "00:00:00:00:00:00",
                alias: "", counters: counters),
        ])
        let sampler = InterfaceSampler(
            sysfs: fixture.sysfs, procfs: FakeProcFS(), options: InterfaceOptions(), links: table)
        let records = sampler.sample()
        #expect(records.map(\.name) == ["eth0"])
        let eth0 = try #require(records.first)
        #expect(eth0.speedMbps == 25000 && eth0.mtu == 9000 && !eth0.adminUp && eth0.operState == "lowerlayerdown")
        #expect(eth0.counters == counters && eth0.alias == "core" && eth0.macAddress == nil)
        var everything = InterfaceOptions()
        everything.includeVirtual = true
        everything.exclude = []
        let changing = ChangingLinkTable(table.entries!)
        let all = InterfaceSampler(sysfs: fixture.sysfs, procfs: FakeProcFS(), options: everything, links: changing)
        #expect(all.sample().map(\.name) == ["eth0", "lo", "veth9"])
        #expect(all.sample().last?.speedMbps == 10000)
        // The speed is read again only when the link's operstate or flags change (a renegotiation).
        try fixture.write("eth0", "speed", "100000")
        #expect(all.sample().first?.speedMbps == 25000, "same link state: the speed read before")
        changing.entries.withLock {
            $0[1].flags = 0x11003
            $0[1].operState = "up"
        }
        #expect(all.sample().first?.speedMbps == 100000, "carrier came back: the speed is read again")
        // A table that cannot be read: the same sample from /sys.
        let fallback = InterfaceSampler(
            sysfs: fixture.sysfs, procfs: FakeProcFS(), options: InterfaceOptions(), links: FakeLinkTable(entries: nil))
        #expect(fallback.sample().map(\.name) == ["eth0"] && fallback.sample().first?.mtu == 1500)
    }
}
