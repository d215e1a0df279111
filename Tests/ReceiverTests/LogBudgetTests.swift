import Synchronization
import Testing

@testable import FathomReceiver

/// Log lines strangers can cause are admitted up to a budget per interval, and the next admitted
/// line says how many were left out.
@Suite struct LogBudgetTests {
    @Test func overBudgetLinesAreCountedAndReportedWithTheNextWindow() {
        let instant = Mutex(ContinuousClock.now)
        let budget = LogBudget(lines: 2, per: .seconds(10), now: { instant.withLock { $0 } })
        #expect(budget.admit() == 0)
        #expect(budget.admit() == 0)
        #expect(budget.admit() == nil)
        #expect(budget.admit() == nil)
        instant.withLock { $0 += .seconds(10) }
        #expect(budget.admit() == 2, "the first line of the new window reports the two left out")
        #expect(budget.admit() == 0)
        #expect(budget.admit() == nil)
    }
}
