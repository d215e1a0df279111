import FathomAgent
import FathomShared
import Foundation
import Testing

@Suite("Interfaces: sampler on /sys fixture trees", .timeLimit(.minutes(2)))
struct InterfaceSamplerTests {
    static func sampler(_ fixture: SysNetFixture, options: InterfaceOptions = InterfaceOptions()) -> InterfaceSampler {
        var procfs = FakeProcFS()
        procfs.host = "node7.example"
        return InterfaceSampler(sysfs: fixture.sysfs, procfs: procfs, options: options)
    }

    @Test("every attribute and counter is read; lo and virtual devices are skipped by default")
    func readsAttributes() throws {
        var fixture = SysNetFixture()
        defer { fixture.directory.remove() }
        try fixture.add(
            "lo", index: 1, virtual: true, operstate: "unknown", flags: "0x9", speed: nil, mtu: 65536,
            address: "00:00:00:00:00:00")
        try fixture.add("eth0", index: 2, address: "52:54:00:AB:CD:EF", alias: "uplink to core")
        try fixture.add("veth1", index: 3, virtual: true)
        try fixture.add("eth1", index: 4, operstate: "down", flags: "0x1002", speed: "-1", mtu: 9000)
        for (offset, stat) in SysNetFixture.statistics.enumerated() {
            try fixture.setCounter("eth0", stat, 1_000_000_000_000 + UInt64(offset))
        }
        let records = Self.sampler(fixture).sample()
        #expect(records.map(\.name) == ["eth0", "eth1"])
        let eth0 = records[0]
        #expect(eth0.host == "node7.example")
        #expect(eth0.time == FakeProcFS.bootTime + 1000)
        #expect(eth0.bootTime == FakeProcFS.bootTime)
        #expect(eth0.index == 2 && eth0.mtu == 1500 && eth0.speedMbps == 1000)
        #expect(eth0.operState == "up" && eth0.adminUp)
        #expect(eth0.macAddress == "52:54:00:ab:cd:ef")
        #expect(eth0.alias == "uplink to core")
        #expect(eth0.counters.rxBytes == 1_000_000_000_000 && eth0.counters.txDropped == 1_000_000_000_007)
        #expect(eth0.counters.rxErrors == 1_000_000_000_004)
        let eth1 = records[1]
        #expect(eth1.operState == "down" && !eth1.adminUp && eth1.speedMbps == nil && eth1.mtu == 9000)
        #expect(records.allSatisfy { $0.time == eth0.time })
    }

    @Test("include and exclude globs; an include glob or virtual = true admits virtual devices")
    func globs() throws {
        var fixture = SysNetFixture()
        defer { fixture.directory.remove() }
        try fixture.add("lo", index: 1, virtual: true)
        try fixture.add("eth0", index: 2)
        try fixture.add("enp3s0", index: 3)
        try fixture.add("veth0", index: 4, virtual: true)
        try fixture.add("br0", index: 5, virtual: true)
        var options = InterfaceOptions()
        options.include = ["e*", "veth*"]
        #expect(Self.sampler(fixture, options: options).selectedNames() == ["enp3s0", "eth0", "veth0"])
        options.exclude = ["enp*"]
        #expect(Self.sampler(fixture, options: options).selectedNames() == ["eth0", "veth0"])
        options = InterfaceOptions()
        options.includeVirtual = true
        #expect(Self.sampler(fixture, options: options).selectedNames() == ["br0", "enp3s0", "eth0", "veth0"])
        options.exclude = []
        #expect(Self.sampler(fixture, options: options).selectedNames().contains("lo"))
    }

    @Test("interfaces appearing, vanishing and renamed between samples")
    func lifeCycle() throws {
        var fixture = SysNetFixture()
        defer { fixture.directory.remove() }
        try fixture.add("eth0", index: 2, counter: 10)
        let sampler = Self.sampler(fixture)
        #expect(sampler.sample().map(\.name) == ["eth0"])
        try fixture.add("eth1", index: 3, counter: 5)
        #expect(sampler.sample().map(\.name) == ["eth0", "eth1"])
        try fixture.remove("eth0")
        #expect(sampler.sample().map(\.name) == ["eth1"])
        try fixture.rename("eth1", to: "uplink0")
        let renamed = sampler.sample()
        #expect(renamed.map(\.name) == ["uplink0"])
        #expect(renamed.first?.index == 3 && renamed.first?.counters.rxBytes == 5)
    }

    @Test("an interface whose statistics vanish mid-sample is left out, not half-read")
    func vanishedMidRead() throws {
        var fixture = SysNetFixture()
        defer { fixture.directory.remove() }
        try fixture.add("eth0", index: 2)
        try fixture.add("eth1", index: 3)
        // The link still listed, its device gone: what a read racing `ip link del` sees.
        try FileManager.default.removeItem(atPath: fixture.root + "/" + fixture.devices["eth1"]! + "/statistics")
        #expect(Self.sampler(fixture).sample().map(\.name) == ["eth0"])
    }

    @Test("counters past 2^32 and a wrap are carried exactly through the record line")
    func largeCounters() throws {
        var fixture = SysNetFixture()
        defer { fixture.directory.remove() }
        try fixture.add("eth0", index: 2)
        try fixture.setCounter("eth0", "rx_bytes", UInt64.max)
        try fixture.setCounter("eth0", "tx_bytes", 1 << 32 + 7)
        let record = try #require(Self.sampler(fixture).sample().first)
        let back = try InterfaceRecord(line: record.line[...])
        #expect(back == record)
        #expect(back.counters.rxBytes == UInt64.max && back.counters.txBytes == 1 << 32 + 7)
        try fixture.setCounter("eth0", "rx_bytes", 3)
        #expect(Self.sampler(fixture).sample().first?.counters.rxBytes == 3)
    }

    @Test("the real /sys/class/net lists this host's interfaces")
    func realSys() {
        var options = InterfaceOptions()
        options.exclude = []
        options.includeVirtual = true
        let sampler = InterfaceSampler(sysfs: LinuxSysFS(), procfs: LinuxProcFS(), options: options)
        let records = sampler.sample()
        #expect(records.contains { $0.name == "lo" && $0.index == 1 })
        #expect(LinuxSysFS().resolved("class/net/lo") == "devices/virtual/net/lo")
        #expect(
            !InterfaceSampler(sysfs: LinuxSysFS(), procfs: LinuxProcFS(), options: InterfaceOptions())
                .selectedNames().contains("lo"))
    }
}
