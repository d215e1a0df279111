import AsyncHTTPClient
import FathomShared
import FathomTestSupport
import Foundation
import HummingbirdBcrypt
import NIOCore
import Testing

/// Wrong passwords against a real receiver process: after a few failures the address (or the user)
/// gets 429 with `Retry-After` and no more password checks, while an agent whose credentials were
/// already verified keeps uploading. Bcrypt at cost 4: the cost is not what is tested here.
@Suite(.serialized) struct LoginThrottleTests {
    struct Running {
        let dir: TempDirectory
        let receiver: ReceiverProcess
        let client: UploadClient

        init(credentials: String, flags: [String]) async throws {
            dir = TempDirectory("fathom-login")
            let pki = try TestPKI(in: dir.path)
            try dir.write("credentials", credentials)
            receiver = try await ReceiverProcess(
                pki: pki, dataDirectory: dir.file("data"), credentialsPath: dir.file("credentials"), extra: flags)
            client = try UploadClient(caFile: pki.caCertificate)
        }

        /// Status and `Retry-After` of one upload to `cluster` as `user`.
        func upload(_ user: String, _ password: String, cluster: String) async throws -> (
            status: Int, retryAfter: String?
        ) {
            var request = HTTPClientRequest(url: receiver.baseURL + "/sonar-freecsv?cluster=" + cluster)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "text/csv")
            request.headers.add(name: "Authorization", value: BasicAuthorization.header(user: user, password: password))
            request.body = .bytes(ByteBuffer(string: sampleLine() + "\n"))
            let response = try await client.http.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 16)
            return (Int(response.status.code), response.headers.first(name: "Retry-After"))
        }

        func close() async {
            await client.shutdown()
            await receiver.stop()
            dir.remove()
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func wrongBcryptPasswordsGet429WhileTheCachedAgentUploads() async throws {
        let credentials = "saga:\(Bcrypt.hash("saga-secret", cost: 4))\nfox:\(Bcrypt.hash("fox-secret", cost: 4))\n"
        let r = try await Running(
            credentials: credentials,
            flags: [
                "--login-failures-per-address", "3", "--login-failures-per-user", "1000", "--login-forgive-seconds",
                "60",
            ])
        // The real agent has uploaded once: its credential is verified and cached.
        #expect(try await r.upload("saga", "saga-secret", cluster: "saga").status == 200)
        for attempt in 1...3 {
            let reply = try await r.upload("saga", "guess-\(attempt)", cluster: "saga")
            #expect(reply.status == 401 && reply.retryAfter == nil, "attempt \(attempt)")
        }
        let throttled = try await r.upload("saga", "guess-4", cluster: "saga")
        #expect(throttled.status == 429)
        let retryAfter = try #require(throttled.retryAfter.flatMap(Int.init), "429 without a numeric Retry-After")
        #expect(retryAfter >= 1 && retryAfter <= 60)
        // Same address, so the address is throttled, yet the cached credential still gets in …
        #expect(try await r.upload("saga", "saga-secret", cluster: "saga").status == 200)
        // … while a credential not yet verified from this address waits like the guesses do.
        #expect(try await r.upload("fox", "fox-secret", cluster: "fox").status == 429)
        #expect(r.receiver.log.contains("Too many failed logins"))
        await r.close()
    }

    @Test(.timeLimit(.minutes(1)))
    func wrongPlainPasswordsAreLimitedPerUser() async throws {
        let r = try await Running(
            credentials: "fox:fox-secret\nsaga:saga-secret\n",
            flags: [
                "--login-failures-per-address", "1000", "--login-failures-per-user", "3", "--login-forgive-seconds",
                "60",
            ])
        #expect(try await r.upload("fox", "fox-secret", cluster: "fox").status == 200)
        for attempt in 1...3 {
            #expect(try await r.upload("fox", "guess-\(attempt)", cluster: "fox").status == 401, "attempt \(attempt)")
        }
        let throttled = try await r.upload("fox", "guess-4", cluster: "fox")
        #expect(throttled.status == 429 && throttled.retryAfter.flatMap(Int.init) != nil)
        // fox's agent, verified before the guessing began, still gets in …
        #expect(try await r.upload("fox", "fox-secret", cluster: "fox").status == 200)
        // … and another user is not affected by fox's bucket.
        #expect(try await r.upload("saga", "saga-secret", cluster: "saga").status == 200)
        await r.close()
    }
}
