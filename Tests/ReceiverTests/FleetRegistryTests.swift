import FathomShared
import FathomTestSupport
import Foundation
import Testing

@testable import FathomReceiver

@Suite struct FleetRegistryTests {
    func samples(
        _ cluster: String, _ host: String, time: String = "2026-11-25T10:00:00+00:00",
        version: String? = "0.1.0", backlog: SpoolBacklog? = nil
    ) -> FleetUpload {
        let line = "v=0.12.2,time=\(time),host=\(host),user=alice,cmd=python,job=7,pid=1\n"
        return FleetUpload.samples(
            cluster: cluster,
            appends: [FileAppend(relativePath: "\(cluster)/2026/11/25/\(host).csv", bytes: Array(line.utf8))],
            agentVersion: version, backlog: backlog)
    }

    @Test func cadenceIsTheMedianUploadIntervalIgnoringCatchUpBursts() {
        #expect(HostCadence.learned(from: [0, 300, 600, 905, 1200]) == 300)
        // A spool draining three batches at once, then regular again: the 0–1 s gaps do not count.
        #expect(HostCadence.learned(from: [0, 1, 1, 300, 600, 900]) == 300)
        #expect(HostCadence.learned(from: [100]) == nil)
    }

    @Test func lateAfterOneMissedUploadAndSilentAfterThree() {
        #expect(HostCadence.state(ageSeconds: 0, cadenceSeconds: 300) == .online)
        #expect(HostCadence.state(ageSeconds: 449, cadenceSeconds: 300) == .online)
        #expect(HostCadence.state(ageSeconds: 450, cadenceSeconds: 300) == .late)
        #expect(HostCadence.state(ageSeconds: 1_049, cadenceSeconds: 300) == .late)
        #expect(HostCadence.state(ageSeconds: 1_050, cadenceSeconds: 300) == .silent)
        #expect(HostCadence.state(ageSeconds: -30, cadenceSeconds: 300) == .online, "a clock step back is not lateness")
    }

    @Test func viewListsSilentHostsFirstWithPerClusterCounts() {
        let registry = FleetRegistry()
        // c1 and c3 upload every 300 s; c2 stopped long ago; c4 is one missed upload late.
        for t in stride(from: Int64(0), through: 3_000, by: 300) {
            registry.record(samples("fox", "c1"), at: t)
            registry.record(samples("fox", "c3"), at: t)
            if t <= 600 { registry.record(samples("fox", "c2"), at: t) }
            if t <= 2_400 { registry.record(samples("fox", "c4"), at: t) }
        }
        let view = registry.view(now: 3_010) { _ in true }
        #expect(view.clusters.map(\.name) == ["fox"])
        let fox = view.clusters[0]
        #expect(fox.hosts.map(\.host) == ["c2", "c4", "c1", "c3"])
        #expect(fox.hosts.map(\.state) == [.silent, .late, .online, .online])
        #expect((fox.silent, fox.late, fox.online) == (1, 1, 2))
        #expect(fox.hosts[2].cadenceSeconds == 300 && fox.hosts[2].cadenceSource == .learned)
    }

    @Test func configuredClusterCadenceWinsOverLearning() {
        let registry = FleetRegistry(cadenceOverrides: ["fox": 10])
        registry.record(samples("fox", "c1"), at: 0)
        registry.record(samples("fox", "c1"), at: 300)
        registry.record(samples("saga", "s1"), at: 300)
        let view = registry.view(now: 340) { _ in true }
        let c1 = view.clusters.first { $0.name == "fox" }!.hosts[0]
        #expect(c1.cadenceSeconds == 10 && c1.cadenceSource == .configured && c1.state == .silent)
        let s1 = view.clusters.first { $0.name == "saga" }!.hosts[0]
        #expect(s1.cadenceSeconds == HostCadence.defaultSeconds && s1.cadenceSource == .assumed && s1.state == .online)
    }

    @Test func viewShowsOnlyTheClustersTheCallerMaySee() {
        let registry = FleetRegistry()
        registry.record(samples("fox", "c1"), at: 0)
        registry.record(samples("saga", "s1"), at: 0)
        let fox = Credential(user: "fox", secret: "x")
        #expect(registry.view(now: 1) { fox.mayUpload(to: $0) }.clusters.map(\.name) == ["fox"])
        #expect(registry.view(now: 1) { _ in true }.clusters.map(\.name) == ["fox", "saga"])
    }

    @Test func uploadsCarryNewestSampleVersionBacklogAndSysinfo() throws {
        let registry = FleetRegistry()
        let two =
            "v=0.12.2,time=2026-11-25T10:00:00+00:00,host=c1,pid=1\nv=0.12.2,time=2026-11-25T10:05:00+00:00,host=c1,pid=1\n"
        registry.record(
            FleetUpload.samples(
                cluster: "fox", appends: [FileAppend(relativePath: "fox/2026/11/25/c1.csv", bytes: Array(two.utf8))],
                agentVersion: "0.2.0", backlog: SpoolBacklog(headerValue: "4 8192")), at: 100)
        let sysinfo =
            #"{"timestamp":"2026-11-25T10:00:00+00:00","hostname":"c1","cpu_cores":64,"mem_gb":256,"gpu_cards":4}"#
        registry.record(
            FleetUpload.sysinfo(
                cluster: "fox",
                appends: [FileAppend(relativePath: "fox/2026/11/25/sysinfo-c1.json", bytes: Array(sysinfo.utf8))],
                agentVersion: nil, backlog: nil), at: 101)
        let host = registry.view(now: 101) { _ in true }.clusters[0].hosts[0]
        #expect(host.lastSample == "2026-11-25T10:05:00+00:00")
        #expect(host.agentVersion == "0.2.0", "an upload without the header keeps the version")
        #expect(host.backlogBatches == 4 && host.backlogBytes == 8192)
        #expect(host.cores == 64 && host.memoryGB == 256 && host.gpus == 4)
    }

    @Test func hostileHeadersAreIgnoredNotStored() {
        #expect(SpoolBacklog(headerValue: "1 2 3") == nil)
        #expect(SpoolBacklog(headerValue: "-1 20") == nil)
        #expect(SpoolBacklog(headerValue: "99999999999999999999999 1") == nil)
        #expect(FleetUpload.cleanVersion("1.0<script>") == "1.0<script>", "printable: kept, and escaped by the page")
        #expect(FleetUpload.cleanVersion(String(repeating: "9", count: 65)) == nil)
        #expect(FleetUpload.cleanVersion("1.0\u{1b}[31m") == nil)
        let html = FleetPage.render(FleetRegistry().view(now: 0) { _ in true })
        #expect(html.contains("No host has uploaded yet."))
        let registry = FleetRegistry()
        registry.record(samples("fox", "c1", version: "1.0<script>"), at: 0)
        let page = FleetPage.render(registry.view(now: 0) { _ in true })
        #expect(!page.contains("<script>") && page.contains("1.0&lt;script&gt;"))
    }

    @Test func registrySurvivesAReopenOfItsStore() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try FleetStore(path: dir.file("fleet.sqlite"))
        let registry = FleetRegistry()
        registry.record(samples("fox", "c1", backlog: SpoolBacklog(batches: 2, bytes: 10)), at: 0)
        registry.record(samples("fox", "c1"), at: 300)
        try await store.save(registry.takeDirty())
        #expect(registry.takeDirty().isEmpty, "saved hosts are clean until they upload again")
        let reopened = FleetRegistry(records: try FleetStore(path: dir.file("fleet.sqlite")).load())
        #expect(reopened.view(now: 400) { _ in true } == registry.view(now: 400) { _ in true })
    }
}
