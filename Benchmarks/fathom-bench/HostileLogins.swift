import FathomReceiver
import FathomTestSupport
import Foundation
import HummingbirdBcrypt
import NIOCore

/// `hostile` section: a cached agent keeps uploading while `attackers` connections send wrong
/// passwords for a bcrypt user, once with the login throttle at its defaults and once with it
/// effectively off, so every guess reaches bcrypt and only the hash pool stands between the
/// guesses and the event loops.
enum HostileLogins {
    static let p99BarMilliseconds = 50.0

    static func run(scratch: TempDirectory, attackers: Int, cost: Int, seconds: Double) async throws {
        print(
            "-- wrong bcrypt passwords (cost \(cost)) from \(attackers) connections vs one cached client, "
                + "\(fmt(seconds, 1)) s each --")
        let credentials = "saga:\(Bcrypt.hash("saga-secret", cost: UInt8(cost)))\n"
        let variants: [(String, [String])] = [
            ("throttle at its defaults", []),
            (
                "throttle off, pool only",
                ["--login-failures-per-address", "1000000", "--login-failures-per-user", "1000000"]
            ),
        ]
        for (index, (label, flags)) in variants.enumerated() {
            let child = try ReceiverChild.start(
                in: scratch, name: "logins-\(index)", credentials: credentials, flags: flags)
            defer { child.stop() }
            let p99 = try await measure(child, attackers: attackers, seconds: seconds, label: label)
            print(
                "bar: cached upload p99 <= \(fmt(p99BarMilliseconds, 0)) ms (\(label)): \(fmt(p99 * 1000)) ms "
                    + verdict(p99 * 1000 <= p99BarMilliseconds))
        }
    }

    private static func measure(_ child: ReceiverChild, attackers: Int, seconds: Double, label: String) async throws
        -> Double
    {
        let agent = try HTTPProbe(caPath: child.caPath)
        let guessers = try (0..<attackers).map { _ in try HTTPProbe(caPath: child.caPath) }
        let result: Result<Double, any Error>
        do {
            result = .success(
                try await measure(child, agent: agent, guessers: guessers, seconds: seconds, label: label))
        } catch {
            result = .failure(error)
        }
        await agent.shutdown()
        for g in guessers { await g.shutdown() }
        return try result.get()
    }

    private static func measure(
        _ child: ReceiverChild, agent: HTTPProbe, guessers: [HTTPProbe], seconds: Double, label: String
    ) async throws -> Double {
        let body = ByteBuffer(bytes: UploadBody.make(host: "node0", approximateBytes: 200))
        // The agent's first upload pays bcrypt once; from then on its credential is cached.
        let first = try await agent.upload(
            child.baseURL, cluster: "saga", user: "saga", password: "saga-secret", body: body)
        guard first == 200 else {
            throw Subprocess.Failure(description: "cached client's first upload got HTTP \(first)")
        }
        let cpuBefore = child.cpuSeconds() ?? 0
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        let base = child.baseURL
        async let cached = agent.repeatedly(until: deadline, pause: .milliseconds(10)) {
            try await agent.upload(base, cluster: "saga", user: "saga", password: "saga-secret", body: body)
        }
        let attack = await withTaskGroup(of: HTTPProbe.Run.self) { group in
            for (i, g) in guessers.enumerated() {
                group.addTask {
                    // Wrong passwords are never cached, so the same guess costs bcrypt every time.
                    await g.repeatedly(until: deadline, expected: 401) {
                        try await g.upload(base, cluster: "saga", user: "saga", password: "guess-\(i)", body: body)
                    }
                }
            }
            return await group.reduce(into: HTTPProbe.Run()) { total, run in
                total.latencies += run.latencies
                total.statuses.merge(run.statuses, uniquingKeysWith: +)
            }
        }
        let agentRun = await cached
        let cpu = (child.cpuSeconds() ?? 0) - cpuBefore
        print("\(label): cached uploads \(agentRun.summary)")
        let codes = attack.statuses.sorted { $0.key < $1.key }.map {
            "\($0.key == 0 ? "error" : String($0.key))×\($0.value)"
        }
        print(
            "\(label): wrong-password answers \(codes.joined(separator: ", ")); receiver CPU "
                + "\(fmt(cpu / seconds * 100, 0))% of one core")
        return Percentiles(agentRun.latencies).value(at: 99)
    }
}
