import FathomTestSupport
import Foundation

/// A user-space ICMP echo responder for the server namespace of a `NetnsChain`: the kernel's own
/// replies are switched off (`icmp_echo_ignore_all`, both families) and a Python raw-socket loop
/// answers instead, by a rule on the request's sequence number, so partial loss and duplicates
/// are the same for every tool that pings it (this kernel has no netem to drop a share of
/// packets). Sequence numbers that are a multiple of `dropEvery` get no reply; of the others,
/// those that are a multiple of `duplicateEvery` get two. The loop ends after `requests` requests
/// or 30 s, and writes `ready` next to its script once its sockets are open.
struct EchoResponder {
    var dropEvery: Int
    var duplicateEvery: Int
    var requests: Int

    /// Sequences from 1 to `sent` that get no reply, and those that get two.
    func expected(sent: Int) -> (lost: Int, duplicates: Int) {
        let seqs = 1...sent
        let lost = seqs.filter { $0 % dropEvery == 0 }.count
        let duplicates = seqs.filter { $0 % dropEvery != 0 && $0 % duplicateEvery == 0 }.count
        return (lost, duplicates)
    }

    /// Runs `body` while the responder runs in `chain.server`, then waits for it to end (it
    /// answers `requests` requests, so the caller sends exactly that many).
    func serving(
        _ chain: NetnsChain, in directory: TempDirectory, _ body: () async throws -> Void
    ) async throws {
        let script = directory.path + "/echo-responder.py"
        let ready = directory.path + "/ready"
        try? FileManager.default.removeItem(atPath: ready)
        try Self.program.write(toFile: script, atomically: true, encoding: .utf8)
        for setting in ["net.ipv4.icmp_echo_ignore_all=1", "net.ipv6.icmp.echo_ignore_all=1"] {
            let out = try await chain.run(in: chain.server, ["sysctl", "-qw", setting])
            guard out.status == 0 else { throw TestFailure("sysctl \(setting): \(out.stderr)") }
        }
        let command = chain.path.command(
            in: chain.server, ["python3", script, "\(dropEvery)", "\(duplicateEvery)", "\(requests)", ready])
        async let responder = Shell.run(command, timeout: 40)
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: ready) && Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        guard FileManager.default.fileExists(atPath: ready) else {
            let out = try await responder
            throw TestFailure("echo responder did not start: \(out.stderr)")
        }
        try await body()
        let out = try await responder
        guard out.status == 0 else { throw TestFailure("echo responder: \(out.stderr)") }
    }

    /// The responder. IPv4 replies carry a checksum computed here; for ICMPv6 raw sockets the
    /// kernel fills it in.
    static let program = #"""
        import select, socket, struct, sys, time

        drop_every, dup_every, requests, ready = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

        def checksum(data):
            if len(data) % 2:
                data += b"\0"
            total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
            total = (total >> 16) + (total & 0xFFFF)
            total += total >> 16
            return ~total & 0xFFFF

        v4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        v6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        open(ready, "w").close()
        seen, deadline = 0, time.time() + 30
        while seen < requests and time.time() < deadline:
            readable, _, _ = select.select([v4, v6], [], [], 0.5)
            for sock in readable:
                packet, peer = sock.recvfrom(65535)
                if sock is v4:
                    icmp = packet[(packet[0] & 0x0F) * 4:]
                    if icmp[0] != 8:
                        continue
                    reply_type = 0
                else:
                    icmp = packet
                    if icmp[0] != 128:
                        continue
                    reply_type = 129
                seen += 1
                seq = struct.unpack("!H", icmp[6:8])[0]
                if seq % drop_every == 0:
                    continue
                reply = bytearray(bytes([reply_type, 0, 0, 0]) + icmp[4:])
                if sock is v4:
                    reply[2:4] = struct.pack("!H", checksum(bytes(reply)))
                for _ in range(2 if seq % dup_every == 0 else 1):
                    sock.sendto(bytes(reply), peer)
        sys.exit(0 if seen == requests else 1)
        """#
}
