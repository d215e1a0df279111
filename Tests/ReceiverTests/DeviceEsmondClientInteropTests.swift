import FathomTestSupport
import Foundation
import Testing

@testable import FathomReceiver

/// The real esmond-client 4.2.1 `snmp` module (from PyPI, in the virtualenv
/// ``ArchiveEsmondClientInteropTests`` prepares) reads the device API back: `ApiConnect`,
/// `ApiFilters`, devices → interfaces → endpoints → data, a vanished interface through a time
/// window, and the bulk interface call, against ``DeviceTestServer``'s known history: at the real
/// clock and with the server's clock placed on, just after and through the current hour, since the
/// hourly averages of esmond-client's last-hour window are those of the hour holding "now".
@Suite(.timeLimit(.minutes(5))) struct DeviceEsmondClientInteropTests {
    /// Drives the client; prints `OK …` per step and `ALL OK` at the end.
    static let driver = #"""
        import sys, warnings
        from esmond_client.snmp import ApiConnect, ApiFilters

        url, (start, steps, eth1_steps, now) = sys.argv[1], map(int, sys.argv[2:6])
        def check(cond, what):
            if not cond:
                print("FAIL " + what); sys.exit(1)
            print("OK " + what)
        warnings.simplefilter("error")

        conn = ApiConnect(url)
        devices = list(conn.get_devices())
        check([d.name for d in devices] == ["node1", "node2"], "get_devices %s" % [d.name for d in devices])
        node1 = conn.get_device("node1")
        check(node1.name == "node1" and node1.active and node1.oidsets == ["Errors", "FastPollHC", "IfRefPoll"],
              "get_device, active, oidsets")
        check(str(node1.end_time).startswith("9999-12-29"), "an active device ends at esmond's max: %s" % node1.end_time)
        ifaces = list(node1.get_interfaces())
        check([i.ifName for i in ifaces] == ["eth0"], "get_interfaces: active now %s" % [i.ifName for i in ifaces])
        eth0 = node1.get_interface("eth0")
        check((eth0.ifSpeed, eth0.ifHighSpeed, eth0.ifIndex, eth0.ifMtu, eth0.ifOperStatus, eth0.ifAdminStatus)
              == (1000000000, 1000, 2, 1500, 1, 1), "interface fields")
        check(eth0.ifAlias == "alias of eth0" and eth0.ifDescr == "eth0" and eth0.ifPhysAddress == "52:54:00:00:00:02"
              and eth0.device == "node1" and eth0.ipAddr == "192.0.2.2", "interface names and addresses")
        names = sorted(e.name for e in eth0.get_endpoints())
        check(names == sorted(["in", "out", "error/in", "error/out", "discard/in", "discard/out"]), "endpoints %s" % names)

        payload = eth0.get_endpoint("in").get_data()
        vals = [p.val for p in payload.data if p.val is not None]
        check(payload.agg == "30" and payload.cf == "average", "data envelope agg %s cf %s" % (payload.agg, payload.cf))
        check(len(vals) >= 50 and all(abs(v - 1000.0) < 1e-6 for v in vals), "in: 1000 B/s (%d points)" % len(vals))
        check(all(p.ts.timestamp() % 30 == 0 for p in payload.data), "points on 30 s bins")
        out = [p.val for p in eth0.get_endpoint("out").get_data().data if p.val is not None]
        check(out and all(abs(v - 500.0) < 1e-6 for v in out), "out: 500 B/s")
        errs = [p.val for p in eth0.get_endpoint("error/in").get_data().data if p.val is not None]
        check(errs and all(abs(v - 1 / 30) < 1e-9 for v in errs), "error/in: one per 30 s")
        drops = [p.val for p in eth0.get_endpoint("discard/out").get_data().data if p.val is not None]
        check(drops and all(v == 0 for v in drops), "discard/out: none")
        # The server's default window [now - 3600, now] as hourly bins; those the history (start, last] overlaps.
        hours = range(-(-(now - 3600) // 3600) * 3600, now // 3600 * 3600 + 1, 3600)
        seeded = [h for h in hours if start < h + 3600 and h < start + 30 * steps]
        hourly = [(p.ts_epoch, p.val) for p in eth0.get_endpoint("in").get_data(agg=3600).data if p.val is not None]
        check(seeded and [ts for ts, _ in hourly] == seeded and all(abs(v - 1000.0) < 1e-6 for _, v in hourly),
              "agg=3600 averages %s in the seeded hours %s of the last hour before %d" % (hourly, seeded, now))

        window = ApiFilters()
        window.begin_time = start
        window.end_time = start + 60
        old = ApiConnect(url, window).get_device("node1")
        eth1 = old.get_interface("eth1")
        check(eth1.begin_time.timestamp() == start and eth1.end_time.timestamp() == start + 30 * eth1_steps,
              "a vanished interface's life %s .. %s" % (eth1.begin_time, eth1.end_time))
        flat = list(ApiConnect(url, window).get_interfaces(ifName__contains="eth1"))
        check([(i.device, i.ifName) for i in flat] == [("node1", "eth1")], "flat interface list with a django filter")

        bulk_filters = ApiFilters()
        bulk_filters.begin_time = start
        bulk_filters.end_time = start + 30 * steps
        bulk_filters.endpoint = ["in", "out"]
        bulk = ApiConnect(url, bulk_filters).get_interface_bulk_data(ifName__contains="eth0")
        rows = {(r.device, r.interface, r.endpoint): [p.val for p in r.data if p.val is not None] for r in bulk.data}
        check(sorted(rows) == [("node1", "eth0", "in"), ("node1", "eth0", "out"), ("node2", "eth0.100", "in"),
                               ("node2", "eth0.100", "out")], "bulk rows %s" % sorted(rows))
        check(all(abs(v - 2000.0) < 1e-6 for v in rows[("node2", "eth0.100", "in")]) and rows[("node2", "eth0.100", "in")],
              "bulk node2 in: 2000 B/s")
        check(all(abs(v - 500.0) < 1e-6 for v in rows[("node1", "eth0", "out")]), "bulk node1 out: 500 B/s")
        check(sorted(bulk.device_names) == ["node1", "node2"], "bulk device names")
        print("ALL OK")
        """#

    /// `secondsIntoHour` places the server's clock that far into the current hour (nil: the real
    /// clock): on the hour (two hourly bins), within the first 30 s (the last sample ahead of the
    /// clock), the first minutes (once an empty hour), midway, and at its last second.
    @Test(.serialized, arguments: [nil, 0, 10, 30, 120, 1800, 3599] as [Int64?])
    func realEsmondClientSNMPModuleReadsTheDeviceAPI(secondsIntoHour: Int64?) async throws {
        let clock = Int64(Date().timeIntervalSince1970)
        let now = secondsIntoHour.map { clock / 3600 * 3600 + $0 } ?? clock
        let prepared = try await ArchiveEsmondClientInteropTests.run([
            "/bin/sh", "-c", ArchiveEsmondClientInteropTests.prepare, "prepare", ArchiveEsmondClientInteropTests.venv,
        ])
        if prepared.status == 3 || prepared.status == 4 {
            let why = prepared.status == 3 ? "PyPI unreachable" : "python3 tooling missing"
            try Prerequisite.unavailable("esmond-client snmp interop: \(why) (\(prepared.output.suffix(300)))")
            return
        }
        try #require(prepared.status == 0, "preparing esmond-client failed: \(prepared.output)")
        let dir = TempDirectory("fathom-esmond-snmp")
        defer { dir.remove() }
        try dir.write("drive.py", Self.driver)
        try await DeviceTestServer.with(now: now) { server in
            for base in ["http://127.0.0.1:\(server.port)", "http://127.0.0.1:\(server.port)/esmond"] {
                let result = try await ArchiveEsmondClientInteropTests.run([
                    ArchiveEsmondClientInteropTests.venv + "/bin/python", dir.file("drive.py"), base,
                    String(server.start), String(DeviceTestServer.steps), String(DeviceTestServer.eth1Steps),
                    String(server.now),
                ])
                #expect(result.status == 0 && result.output.contains("ALL OK"), "now \(now), \(base): \(result.output)")
            }
        }
    }
}
