import Foundation

/// The one way a test says "this cannot run here": so a skip never counts as a pass unseen.
///
/// Without `FATHOM_REQUIRE_ALL=1` it prints one `SKIP test: reason` line and returns, and the
/// caller returns too. With `FATHOM_REQUIRE_ALL=1` (set by `.ci/run`, where every tool is
/// installed and the tests run as root) it throws `Prerequisite.Missing`, which Swift Testing
/// records as an issue of the calling test: the skip becomes a failure.
///
/// Callers narrow the condition first, to the specific errno or missing tool that means "not
/// possible here" (EPERM from `ip netns add`, no iperf3 binary); any other failure is a failure.
///
/// ```swift
/// guard let iperf3 = Iperf3Tool.path else {
///     try Prerequisite.unavailable("iperf3 is not installed (apt-get install -y iperf3)")
///     return
/// }
/// ```
public enum Prerequisite {
    /// The environment variable that turns every skip into a failure.
    public static let requireAllVariable = "FATHOM_REQUIRE_ALL"

    /// Whether `FATHOM_REQUIRE_ALL=1` is set for this test process.
    public static var everyTestIsRequired: Bool {
        ProcessInfo.processInfo.environment[requireAllVariable] == "1"
    }

    /// A prerequisite this host lacks while every test is required; thrown, it fails the test.
    public struct Missing: Error, CustomStringConvertible {
        public var test: String
        public var reason: String

        public var description: String {
            "\(test) cannot run here and \(Prerequisite.requireAllVariable)=1 forbids skipping it: \(reason)"
        }
    }

    /// Records that `test` cannot run here because of `reason`: a printed SKIP line, or (with
    /// `FATHOM_REQUIRE_ALL=1`; `required` only for this helper's own tests) a thrown `Missing`.
    /// The caller returns after it.
    public static func unavailable(_ reason: String, test: String = #function, required: Bool = everyTestIsRequired)
        throws(Missing)
    {
        if required { throw Missing(test: test, reason: reason) }
        print("SKIP \(test): \(reason)")
    }

    /// Whether `text` (a command's stderr or an error's description) names `errno`'s message, or
    /// the errno's symbolic name: how a skip is narrowed to "EPERM" rather than "any failure".
    public static func mentions(_ text: String, errno code: Int32) -> Bool {
        let message = String(cString: strerror(code))
        let names: [Int32: String] = [
            EPERM: "EPERM", EACCES: "EACCES", EAFNOSUPPORT: "EAFNOSUPPORT", EADDRNOTAVAIL: "EADDRNOTAVAIL",
        ]
        return text.localizedCaseInsensitiveContains(message) || names[code].map { text.contains($0) } == true
    }
}
