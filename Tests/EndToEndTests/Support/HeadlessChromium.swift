import FathomTestSupport
import Foundation

/// A real headless Chromium (Debian `chromium`), as an operator's browser would load a page: no
/// JavaScript of ours runs, the DOM it builds from the server's HTML is what it shows.
enum HeadlessChromium {
    /// The DOM after loading `url` (credentials may be in the URL); the test CA is not in
    /// Chromium's store, so certificate errors are ignored for this loopback receiver.
    static func dumpDOM(_ url: String) async throws -> String {
        let profile = TempDirectory("fathom-chromium")
        defer { profile.remove() }
        let result = try await Shell.run(arguments(["--dump-dom", url], profile: profile.path), timeout: 120)
        guard result.status == 0 else {
            throw TestFailure("chromium --dump-dom failed (\(result.status)): \(result.stderr.suffix(2000))")
        }
        return result.stdout
    }

    /// A throwaway profile per run, so runs share no cache or state.
    static func arguments(_ extra: [String], profile: String) -> [String] {
        [
            "/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--ignore-certificate-errors", "--no-first-run", "--user-data-dir=\(profile)",
        ]
            + extra
    }

    /// `data-host` → `data-state` of every host row in a dumped fleet page.
    static func hostStates(_ dom: String) -> [String: String] {
        var states: [String: String] = [:]
        let pattern = try! NSRegularExpression(pattern: #"data-host="([^"]+)" data-state="([^"]+)""#)
        for m in pattern.matches(in: dom, range: NSRange(dom.startIndex..., in: dom)) {
            states[String(dom[Range(m.range(at: 1), in: dom)!])] = String(dom[Range(m.range(at: 2), in: dom)!])
        }
        return states
    }
}
