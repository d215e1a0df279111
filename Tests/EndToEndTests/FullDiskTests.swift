import FathomShared
import FathomTestSupport
import Foundation
import Testing

/// A receiver whose data directory fills up answers 507, keeps no part of the refused upload,
/// and stores the same upload once space is back. Needs root for its small tmpfs; only a mount
/// refused for want of privilege goes through `Prerequisite.unavailable`.
@Suite(.serialized, .timeLimit(.minutes(2))) struct FullDiskTests {
    @Test func fullDiskRefusesWithoutLeavingPartialData() async throws {
        let dir = TempDirectory("fathom-full")
        defer { dir.remove() }
        let data = dir.file("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let mount = try await Shell.run(["/bin/mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", data])
        guard mount.status == 0 else {
            let notPermitted =
                Prerequisite.mentions(mount.stderr, errno: EPERM) || Prerequisite.mentions(mount.stderr, errno: EACCES)
                || mount.stderr.contains("must be superuser")
            // Any other reason a tmpfs cannot be mounted is a failure, not "not possible here".
            try #require(notPermitted, "mount -t tmpfs failed: \(mount.stderr)")
            try Prerequisite.unavailable(
                "cannot mount a small tmpfs without privilege (\(mount.stderr.trimmingWhitespace()))")
            return
        }
        defer { umount2(data, Int32(MNT_DETACH)) }  // umount -l, which a defer cannot wait for as a child
        let pki = try TestPKI(in: dir.path)
        try dir.write("credentials", "fox:pw\n")
        let receiver = try await ReceiverProcess(
            pki: pki, dataDirectory: data, credentialsPath: dir.file("credentials"))
        defer { receiver.stopLater(thenRemove: dir) }
        // Once the receiver has made its state files, all but ~100 KiB goes to a filler file the
        // test can delete later.
        let free =
            try await Shell.run(["/bin/df", "-B1", "--output=avail", data]).stdout.split(separator: "\n").last
            .flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0
        #expect(
            FileManager.default.createFile(
                atPath: data + "/filler", contents: Data(repeating: 0x41, count: max(0, free - 100 * 1024))))
        let client = try UploadClient(caFile: pki.caCertificate)
        var acked: [String] = []
        var refusedBody: String?
        var refusedStatus = 0
        for u in 0..<40 {
            let body =
                (0..<40).map { k in sampleLine(cmd: "u\(u)k\(k)" + String(repeating: "z", count: 90)) }.joined(
                    separator: "\n") + "\n"
            let reply = try await client.send(
                receiver.baseURL + "/sonar-freecsv?cluster=fox", user: "fox", password: "pw", body: body)
            if reply.status == 200 {
                acked.append(body)
            } else {
                refusedStatus = reply.status
                refusedBody = body
                break
            }
        }
        #expect(refusedStatus == 507, "a full disk is 507 Insufficient Storage")
        #expect(!acked.isEmpty)
        let stored = storedFiles(data, cluster: "fox").values.joined()
        #expect(stored == acked.joined(), "exactly the acknowledged uploads, no partial one")
        try FileManager.default.removeItem(atPath: data + "/filler")
        let retry = try await client.send(
            receiver.baseURL + "/sonar-freecsv?cluster=fox", user: "fox", password: "pw", body: refusedBody ?? "")
        #expect(retry.status == 200)
        #expect(storedFiles(data, cluster: "fox").values.joined() == acked.joined() + (refusedBody ?? ""))
        #expect(receiver.log.contains("upload not stored"))
        await client.shutdown()
    }
}
