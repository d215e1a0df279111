import FathomTestSupport
import Foundation
import Testing

@testable import FathomReceiver

/// The real esmond-client 4.2.1 from PyPI (converted to Python 3 as the spec's §7.1 recipe says)
/// against the archive over HTTP: the MetadataPost / EventTypePost / EventTypeBulkPost classes,
/// ApiConnect, and the esmond-ps-get-endpoints / -get-metadata / -get / -get-bulk tools; once
/// with the archive on SQLite and once on PostgreSQL.
///
/// The converted client is cached in a virtualenv under /tmp between runs. Only where PyPI cannot
/// be reached, or python3 lacks venv/pip/lib2to3 (Debian packages python3-venv, python3-pip,
/// python3-lib2to3, which `scripts/install-deps.sh test` installs), does the test go through
/// `Prerequisite.unavailable` (a failure under `FATHOM_REQUIRE_ALL=1`).
@Suite(.timeLimit(.minutes(5))) struct ArchiveEsmondClientInteropTests {
    static let venv = "/tmp/fathom-esmond-client-4.2.1-venv"

    /// Builds the virtualenv; exit 3 means PyPI was unreachable, 4 that this host lacks python3
    /// with venv, pip and lib2to3 (`scripts/install-deps.sh test` installs them).
    static let prepare = #"""
        set -u
        V="$1"
        # One preparer at a time (the suites and their cases run in parallel); the others find it done.
        exec 9>"$V.lock" && flock 9 || { echo "cannot lock $V.lock"; exit 1; }
        if [ -x "$V/bin/esmond-ps-get" ] && "$V/bin/python" -c "import esmond_client.perfsonar.query" 2>/dev/null; then exit 0; fi
        command -v python3 >/dev/null || { echo "no python3"; exit 4; }
        python3 -W ignore -c "import venv, ensurepip, lib2to3, pip" 2>/dev/null || { echo "python3 lacks venv/ensurepip/pip/lib2to3"; exit 4; }
        W=$(mktemp -d)
        trap 'rm -rf "$W"' EXIT
        python3 -m pip download -q --no-deps --no-binary :all: esmond-client==4.2.1 -d "$W/dl" || exit 3
        tar -xzf "$W"/dl/esmond_client-4.2.1.tar.gz -C "$W" || exit 1
        cd "$W/esmond_client-4.2.1" || exit 1
        python3 -W ignore -m lib2to3 -w -n esmond_client clients/* >/dev/null 2>&1 || exit 1
        sed -i "s/outfile), 'wb')/outfile), 'w')/" esmond_client/perfsonar/util.py
        rm -rf "$V" && python3 -m venv "$V" || exit 1
        "$V/bin/pip" install -q "$W/esmond_client-4.2.1" || exit 3
        """#

    /// Drives the client library and tools; prints `OK …` per step and `ALL OK` at the end.
    static let driver = #"""
        import json, os, subprocess, sys, tempfile, time
        from esmond_client.perfsonar.post import (MetadataPost, EventTypePost, EventTypeBulkPost, EventTypePostException)
        from esmond_client.perfsonar.query import ApiConnect, ApiFilters

        url, token, bindir = sys.argv[1], sys.argv[2], sys.argv[3]
        def check(cond, what):
            if not cond:
                print("FAIL " + what); sys.exit(1)
            print("OK " + what)

        mp = MetadataPost(url, username="pscheduler", api_key=token, subject_type="point-to-point",
                          source="10.0.0.1", destination="10.0.0.2", tool_name="pscheduler/iperf3",
                          measurement_agent="10.0.0.1", input_source="10.0.0.1", input_destination="10.0.0.2",
                          time_duration=25, ip_transport_protocol="tcp")
        mp.add_event_type("throughput")
        mp.add_summary_type("throughput", "average", [86400])
        mp.add_event_type("histogram-owdelay")
        mp.add_summary_type("histogram-owdelay", "statistics", [0])
        mp.add_freeform_key_value("bw-parallel-streams", 1)
        md = mp.post_metadata()
        key = md.metadata_key
        check(len(key) == 32, "MetadataPost creates metadata")
        check(mp.post_metadata().metadata_key == key, "MetadataPost again returns the same key")

        now = int(time.time()) - 600
        etp = EventTypePost(url, username="pscheduler", api_key=token, metadata_key=key, event_type="throughput")
        etp.add_data_point(now, 1000000000)
        etp.post_data()
        try:
            etp.post_data()
            check(False, "EventTypePost duplicate is refused")
        except EventTypePostException as e:
            check("409" in str(e), "EventTypePost duplicate is refused with 409")

        bulk = EventTypeBulkPost(url, username="pscheduler", api_key=token, metadata_key=key)
        bulk.add_data_point("throughput", now + 60, 2000000000)
        bulk.add_data_point("histogram-owdelay", now + 60, {"10.0": 3, "11.0": 1})
        bulk.post_data()
        check(True, "EventTypeBulkPost stores")

        filters = ApiFilters()
        filters.source = "10.0.0.1"
        filters.event_type = "throughput"
        filters.time_start = now - 2 * 86400
        filters.time_end = now + 3600
        found = list(ApiConnect(url, filters).get_metadata())
        check(len(found) == 1 and found[0].metadata_key == key, "ApiConnect finds the metadata")
        tp = found[0].get_event_type("throughput")
        vals = [p.val for p in tp.get_data().data]
        check(vals == [1000000000.0, 2000000000.0], "EventType.get_data reads base points %s" % vals)
        avg = tp.get_summary("average", 86400)
        check(avg is not None and len(avg.get_data().data) >= 1, "Summary.get_data reads averages")
        hist = found[0].get_event_type("histogram-owdelay")
        stats = hist.get_summary("statistics", 0).get_data().data
        check(len(stats) == 1 and abs(stats[0].val["mean"] - 10.25) < 1e-9, "statistics summary %s" % stats[0].val)

        def tool(*args):
            out = subprocess.run([os.path.join(bindir, args[0])] + list(args[1:]), capture_output=True, text=True, timeout=60)
            if out.returncode != 0:
                print(out.stdout, out.stderr)
            return out

        r = tool("esmond-ps-get-endpoints", "-u", url, "-I")
        check(r.returncode == 0 and "10.0.0.2" in r.stdout, "esmond-ps-get-endpoints")
        r = tool("esmond-ps-get-metadata", "-u", url, "-I", "-M")
        check(r.returncode == 0 and "bw_parallel_streams" in r.stdout, "esmond-ps-get-metadata")
        r = tool("esmond-ps-get", "-u", url, "-s", "10.0.0.1", "-d", "10.0.0.2", "-e", "throughput", "-o", "json", "-I")
        check(r.returncode == 0 and "2000000000" in r.stdout, "esmond-ps-get")
        with tempfile.TemporaryDirectory() as d:
            r = tool("esmond-ps-get-bulk", "-u", url, "-s", "10.0.0.1", "-o", "json", "-D", d, "-I")
            check(r.returncode == 0 and len(os.listdir(d)) > 0, "esmond-ps-get-bulk %s" % os.listdir(d))
        print("ALL OK")
        """#

    /// On both stores: the client cannot tell SQLite from PostgreSQL.
    @Test(arguments: ArchiveStoreKind.allCases) func realEsmondClientWorksAgainstTheArchive(kind: ArchiveStoreKind)
        async throws
    {
        let prepared = try await Self.run(["/bin/sh", "-c", Self.prepare, "prepare", Self.venv])
        if prepared.status == 3 || prepared.status == 4 {
            let why = prepared.status == 3 ? "PyPI unreachable" : "python3 tooling missing"
            try Prerequisite.unavailable("esmond-client interop: \(why) (\(prepared.output.suffix(300)))")
            return
        }
        try #require(prepared.status == 0, "preparing esmond-client failed: \(prepared.output)")
        let dir = TempDirectory("fathom-esmond-client")
        defer { dir.remove() }
        try dir.write("drive.py", Self.driver)
        try await ArchiveTestServer.with(kind: kind) { server in
            let result = try await Self.run([
                Self.venv + "/bin/python", dir.file("drive.py"), "http://127.0.0.1:\(server.port)",
                ArchiveTestServer.token, Self.venv + "/bin",
            ])
            #expect(result.status == 0 && result.output.contains("ALL OK"), "\(result.output)")
        }
    }

    /// Runs a program to completion on its own thread, returning its exit status and output.
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await OwnThread.run {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: arguments[0])
            process.arguments = Array(arguments.dropFirst())
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }
}
