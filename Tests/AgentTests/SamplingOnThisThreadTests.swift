import FathomAgent
import FathomShared
import Testing

/// The one-shot `sample` path: the same lines as the daemon's `sample()`, read on the calling
/// thread; with GPUs to probe it declines, so the command awaits the probes instead.
@Suite("Sampling: on this thread", .timeLimit(.minutes(1)))
struct SamplingOnThisThreadTests {
    func node() -> FakeProcFS {
        var procfs = FakeProcFS()
        procfs.add(FakeProcess(pid: 300, comm: "lmp", slurmJob: 280_678))
        procfs.add(FakeProcess(pid: 301, ppid: 300, comm: "lmp", slurmJob: 280_678))
        procfs.add(FakeProcess(pid: 302, comm: "sshd"))
        return procfs
    }

    @Test(arguments: [SampleOptions(), SampleOptions(rollup: true)])
    func theSameLinesAsTheDaemonsSample(options: SampleOptions) async throws {
        let sampler = try ProcessSampler(procfs: node(), gpu: [], options: options)
        let here = try #require(sampler.sampleOnThisThread())
        #expect(here == (await sampler.sample()))
        // Three processes, none of them leaves to merge: three records either way.
        #expect(here.count == 3, "\(here)")
    }

    @Test func withGPUsToProbeItDeclines() throws {
        let probe = CannedGPUProbe(usage: .success([]))
        let sampler = try ProcessSampler(procfs: node(), gpu: [probe], options: SampleOptions())
        #expect(sampler.sampleOnThisThread() == nil)
    }
}
