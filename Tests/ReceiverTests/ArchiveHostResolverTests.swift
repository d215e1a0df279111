import Foundation
import Synchronization
import Testing

@testable import FathomReceiver

/// The resolver's rules with a scripted lookup that blocks until released (the real lookup against
/// a DNS server that never answers is in EndToEndTests' ArchiveSlowDNSTests).
@Suite struct ArchiveHostResolverTests {
    /// A lookup that counts its calls and blocks each until the test releases it.
    final class GatedLookup: Sendable {
        let calls = Mutex<[String]>([])
        let gate = DispatchSemaphore(value: 0)

        func lookup(_ host: String) -> ArchiveHostResolver.Answer {
            calls.withLock { $0.append(host) }
            gate.wait()
            return host.hasPrefix("missing") ? .init() : .init(v4: "192.0.2.7", v6: "2001:db8::7")
        }
    }

    func resolver(_ gated: GatedLookup, timeout: Duration = .seconds(30), maxLookups: Int = 64) -> ArchiveHostResolver {
        ArchiveHostResolver(
            timeout: timeout, foundTTL: .seconds(60), notFoundTTL: .seconds(60), threads: 2, maxLookups: maxLookups,
            lookup: gated.lookup)
    }

    @Test(.timeLimit(.minutes(1))) func concurrentRequestsForANameShareOneLookupAndTheAnswerIsCached() async throws {
        let gated = GatedLookup()
        let resolver = resolver(gated)
        async let first = resolver.addresses(of: "ps1.example.org", rule: "v4v6")
        async let second = resolver.addresses(of: "PS1.example.org", rule: "only-v6")
        while gated.calls.withLock({ $0.count }) == 0 { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(100))
        gated.gate.signal()
        #expect(try await first == ["192.0.2.7", "2001:db8::7"])
        #expect(try await second == ["2001:db8::7"])
        #expect(try await resolver.addresses(of: "ps1.example.org", rule: "prefer-v4") == ["192.0.2.7"])
        #expect(gated.calls.withLock { $0 } == ["ps1.example.org"])
        #expect(try await resolver.addresses(of: "2001:DB8::0:1", rule: "v4v6") == ["2001:db8::1"])
    }

    @Test(.timeLimit(.minutes(1))) func aLookupPastTheBoundIs400AndItsLateAnswerIsCached() async throws {
        let gated = GatedLookup()
        let resolver = resolver(gated, timeout: .milliseconds(200))
        await #expect(throws: ArchiveHTTPError.badRequest("Lookup of host missing.example.org timed out")) {
            try await resolver.addresses(of: "missing.example.org", rule: "v4v6")
        }
        gated.gate.signal()
        while (try? await resolver.answer(for: "missing.example.org")) == nil {
            try await Task.sleep(for: .milliseconds(20))
        }
        await #expect(throws: ArchiveHTTPError.badRequest("Unable to find address for host missing.example.org")) {
            try await resolver.addresses(of: "missing.example.org", rule: "v4v6")
        }
        #expect(gated.calls.withLock { $0.count } == 1)
    }

    @Test(.timeLimit(.minutes(1))) func namesBeyondTheLookupLimitAreRefusedAtOnce() async throws {
        let gated = GatedLookup()
        let resolver = resolver(gated, timeout: .milliseconds(300), maxLookups: 2)
        async let a: Void = { _ = try? await resolver.addresses(of: "a.example.org", rule: "v4v6") }()
        async let b: Void = { _ = try? await resolver.addresses(of: "b.example.org", rule: "v4v6") }()
        while gated.calls.withLock({ $0.count }) < 2 { try await Task.sleep(for: .milliseconds(10)) }
        let start = ContinuousClock.now
        await #expect(
            throws: ArchiveHTTPError(.serviceUnavailable, "Too many host name lookups in progress; try again later")
        ) {
            try await resolver.addresses(of: "c.example.org", rule: "v4v6")
        }
        #expect(ContinuousClock.now - start < .milliseconds(250), "refused without waiting for the bound")
        _ = await (a, b)
        gated.gate.signal()
        gated.gate.signal()
    }
}
