import FathomShared
import Logging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// journald priorities and the check that stderr really is the journal stream.
@Suite(.timeLimit(.minutes(2))) struct LoggingTests {
    @Test func syslogPriorities() {
        let expected: [(Logger.Level, Int)] = [
            (.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
        ]
        for (level, priority) in expected {
            #expect(StderrLogHandler.priority(level) == priority, "\(level)")
        }
    }

    @Test func journalStreamMustNameStderr() async {
        var st = stat()
        #expect(fstat(2, &st) == 0)
        let mine = "\(st.st_dev):\(st.st_ino)"
        let other = "\(st.st_dev):\(st.st_ino &+ 1)"
        var verdicts: [Bool] = []
        for value in [mine, other, "garbage", "1:2:3", nil] {
            verdicts.append(
                await ProcessEnvironment.with(["JOURNAL_STREAM": value]) { FathomLogging.stderrIsJournal() })
        }
        #expect(verdicts == [true, false, false, false, false])
    }
}
