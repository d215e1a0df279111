import FathomTestSupport
import Foundation
import Testing

/// The one skip helper: a skip is a printed line only while skipping is allowed; with every test
/// required it is a thrown error, which fails the test that asked. The errno narrowing matches
/// the kernel's message and the symbolic name, and nothing else.
@Suite(.timeLimit(.minutes(1))) struct PrerequisiteTests {
    @Test func aRequiredPrerequisiteThrowsNamingTheTestAndTheReason() {
        #expect(throws: Prerequisite.Missing.self) {
            try Prerequisite.unavailable("no tool", test: "someTest", required: true)
        }
        do {
            try Prerequisite.unavailable("no tool", test: "someTest", required: true)
        } catch {
            #expect(error.description.contains("someTest") && error.description.contains("no tool"))
            #expect(error.description.contains("FATHOM_REQUIRE_ALL=1"))
        }
    }

    @Test func anOptionalPrerequisiteOnlySkips() {
        #expect(throws: Never.self) {
            try Prerequisite.unavailable(
                "the helper's own check, not a skipped test", test: "PrerequisiteTests", required: false)
        }
    }

    @Test func theSwitchIsTheEnvironmentVariable() {
        #expect(Prerequisite.everyTestIsRequired == (ProcessInfo.processInfo.environment["FATHOM_REQUIRE_ALL"] == "1"))
    }

    @Test func errnoNarrowingMatchesOnlyThatErrno() {
        #expect(Prerequisite.mentions("mount --make-shared /run/netns failed: Operation not permitted", errno: EPERM))
        #expect(Prerequisite.mentions("socket: EPERM", errno: EPERM))
        #expect(!Prerequisite.mentions("Cannot find device \"veth0\"", errno: EPERM))
        #expect(!Prerequisite.mentions("File exists", errno: EPERM))
        #expect(Prerequisite.mentions("open: Permission denied", errno: EACCES))
    }
}
