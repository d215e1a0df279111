import FathomShared
import Testing

@Suite("Wire: interface record lines", .timeLimit(.minutes(1)))
struct InterfaceRecordTests {
    static func record() -> InterfaceRecord {
        var counters = InterfaceRecord.Counters()
        counters.rxBytes = UInt64.max
        counters.txBytes = 1 << 40
        counters.rxPackets = 3
        counters.txDropped = 9
        var record = InterfaceRecord(
            time: 1_700_000_030, bootTime: 1_699_000_000, host: "node1.example", name: "eth0.100", index: 7,
            operState: "up", adminUp: true, speedMbps: 25_000, mtu: 9000, macAddress: "52:54:00:12:34:56",
            alias: "to core, \"rack 4\"", counters: counters)
        record.ipv4Address = "192.0.2.10"
        return record
    }

    @Test("a record survives its line, quoting and all")
    func roundTrip() throws {
        let record = Self.record()
        let line = record.line
        #expect(line.hasPrefix("v=1,time=1700000030,boot=1699000000,host=node1.example,if=eth0.100,index=7,"))
        #expect(try InterfaceRecord(line: line[...]) == record)
        var bare = record
        bare.speedMbps = nil
        bare.macAddress = nil
        bare.alias = ""
        bare.ipv4Address = nil
        #expect(!bare.line.contains("speed=") && !bare.line.contains("mac=") && !bare.line.contains("alias="))
        #expect(try InterfaceRecord(line: bare.line[...]) == bare)
    }

    @Test(
        "malformed lines are refused with the field named",
        arguments: [
            ("rxb=-1", "rxb"), ("rxb=18446744073709551616", "rxb"), ("rxb=+5", "rxb"), ("index=x", "index"),
            ("admin=maybe", "admin"), ("ip=300.1.1.1", "'ip'"), ("ip=01.2.3.4", "'ip'"), ("ip=fe80::1", "'ip'"),
            ("time=0", "time"), ("v=2", "version"), ("colour=red", "colour"),
        ])
    func refusals(replacement: String, named: String) throws {
        let key = String(replacement.prefix { $0 != "=" })
        var fields = Self.record().line.split(separator: ",").map(String.init)
        if let at = fields.firstIndex(where: { $0.hasPrefix(key + "=") }) {
            fields[at] = replacement
        } else {
            fields.append(replacement)
        }
        let line = fields.joined(separator: ",")
        #expect {
            try InterfaceRecord(line: line[...])
        } throws: { error in
            "\(error)".contains(named)
        }
    }

    @Test("a missing counter or a repeated field is refused")
    func missingAndRepeated() {
        let line = Self.record().line
        let withoutTxd = line.split(separator: ",").filter { !$0.hasPrefix("txd=") }.joined(separator: ",")
        #expect(throws: InterfaceRecordError("missing field 'txd'")) { try InterfaceRecord(line: withoutTxd[...]) }
        #expect(throws: InterfaceRecordError("field 'mtu' given twice")) {
            try InterfaceRecord(line: (line + ",mtu=1500")[...])
        }
    }
}
