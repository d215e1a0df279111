import Testing

@testable import FathomReceiver

@Suite struct MallocPolicyTests {
    @Test func glibcAcceptsTheFixedMmapThresholdAndArenaLimit() {
        // False would mean the symbols were not found or an option was refused: the policy would
        // silently do nothing and the receiver's RSS would ratchet again.
        #expect(MallocPolicy.apply())
    }

    @Test(.timeLimit(.minutes(1)))
    func periodicTrimmingStopsWhenCancelled() async {
        let trimming = Task { await MallocPolicy.trimPeriodically(every: .milliseconds(10)) }
        try? await Task.sleep(for: .milliseconds(50))
        trimming.cancel()
        await trimming.value
    }
}
