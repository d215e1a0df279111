import FathomAgent
import FathomShared
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Sampling: LinuxProcFS", .timeLimit(.minutes(2)))
struct SamplingLinuxProcFSTests {
    @Test("on the real /proc our own pid appears with the right ppid")
    func realProc() async throws {
        let procfs = LinuxProcFS()
        let me = Int(getpid())
        #expect(procfs.pids().contains(me))
        #expect(procfs.ownerUID(pid: me) == getuid())
        #expect(procfs.clockTicksPerSecond > 0)
        #expect(procfs.pageSizeBytes >= 4096)
        #expect(!procfs.hostname().isEmpty)
        #expect(procfs.read("meminfo")?.contains("MemTotal:") == true)
        #expect(procfs.read("999999999/stat") == nil)

        let sampler = try ProcessSampler(procfs: procfs, gpu: [], options: SampleOptions())
        let records = try await sampler.sample().map { try FreeCSV.parse($0[...]) }
        let mine = try #require(records.first { $0["pid"] == String(me) })
        #expect(mine["ppid"] == String(getppid()))
        #expect(mine["v"] == "0.12.2")
        #expect(mine["host"] == procfs.hostname())
        // The test process has surely touched anonymous memory.
        #expect(Int(mine["rssanonkib"] ?? "0") ?? 0 > 0)
        #expect(records.allSatisfy { $0["time"] == records[0]["time"] })
    }

    @Test("a directory laid out like /proc can stand in for it")
    func directoryTree() async throws {
        var template = Array("/tmp/fathom-procXXXXXX".utf8CString)
        let root = try #require(
            template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        defer { _ = system("rm -rf '\(root)'") }
        func write(_ path: String, _ text: String) throws {
            let file = try #require(fopen(root + "/" + path, "w"))
            fputs(text, file)
            fclose(file)
        }
        mkdir(root + "/4321", 0o755)
        mkdir(root + "/self", 0o755)
        try write("meminfo", "MemTotal: 1000 kB\n")
        try write("4321/stat", "4321 (my (odd) prog) R 17 4321 0 0 -1 0 0 0 0 0 500 100 0 0 20 0 1 0 1 0 0\n")
        try write("4321/statm", "10 5 1 1 0 3 0\n")
        try write("4321/status", "Name:\tx\nRssAnon:\t  12 kB\n")
        try write("4321/cgroup", "0::/system.slice/slurmstepd.scope/job_99/step_0\n")

        let procfs = LinuxProcFS(procRoot: root, sysModuleRoot: root + "/nomodules")
        #expect(procfs.pids() == [4321])
        #expect(procfs.read("4321/statm") == "10 5 1 1 0 3 0\n")
        #expect(!procfs.kernelModuleLoaded("nvidia"))

        let sampler = try ProcessSampler(procfs: procfs, gpu: [], options: SampleOptions())
        let records = try await sampler.sample().map { try FreeCSV.parse($0[...]) }
        let r = try #require(records.first)
        #expect(r["cmd"] == "my (odd) prog")
        #expect(r["ppid"] == "17")
        #expect(r["job"] == "99")
        #expect(r["rssanonkib"] == "12")
        #expect(r["cpukib"] == String(3 * procfs.pageSizeBytes / 1024))
    }
}
