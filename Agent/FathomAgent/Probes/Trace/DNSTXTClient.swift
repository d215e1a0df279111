import Glibc

/// One DNS TXT query over UDP to one name server, bounded by a timeout: just enough DNS for
/// origin-AS lookups (the C library's resolver offers no TXT query without libresolv).
///
/// The answer's first TXT record comes back with its character-strings joined; nil on timeout,
/// any error RCODE (NXDOMAIN included), a reply that does not match the query, or no TXT record.
///
/// ```swift
/// let client = DNSTXTClient(server: try IPSocketAddress.resolve("127.0.0.1").with(port: 53))
/// let text = client.query("8.8.8.8.origin.asn.cymru.com")   // "15169 | 8.8.8.0/24 | US | arin | …"
/// ```
public struct DNSTXTClient: Sendable {
    public var server: IPSocketAddress
    public var timeout: Duration

    public init(server: IPSocketAddress, timeout: Duration = .seconds(2)) {
        self.server = server
        self.timeout = timeout
    }

    /// The first `nameserver` of `/etc/resolv.conf` on port 53, as the C library would ask.
    public static func systemServer() -> IPSocketAddress? {
        let fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 16 {
            let count = read(fd, &chunk, chunk.count)
            if count <= 0 { break }
            bytes += chunk[..<count]
        }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver" else { continue }
            // A scoped IPv6 server (fe80::1%eth0) resolves through getaddrinfo like any numeric host.
            if let address = try? IPSocketAddress.resolve(String(fields[1])) { return address.with(port: 53) }
        }
        return nil
    }

    /// The joined text of the first TXT answer for `name`, or nil.
    public func query(_ name: String) -> String? {
        let id = UInt16.random(in: 0 ... .max)
        guard let message = Self.message(id: id, name: name) else { return nil }
        let fd = socket(server.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard server.withSockaddr({ connect(fd, $0, $1) }) == 0 else { return nil }
        guard message.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == message.count else { return nil }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Replies that do not match (a stale answer, another id) are read and skipped.
        while (try? SocketPoll.wait(fd: fd, for: Int16(POLLIN), deadline: deadline, failure: TraceError.poll)) == true {
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count < 0 && (errno == EAGAIN || errno == EINTR) { continue }
            guard count > 0 else { return nil }
            if let reply = Self.parse(Array(buffer[..<count]), id: id) { return reply.text }
        }
        return nil
    }

    /// A standard recursive query for `name`, type TXT (16), class IN; nil for a label over 63 bytes.
    static func message(id: UInt16, name: String) -> [UInt8]? {
        var out: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8)
            guard bytes.count <= 63 else { return nil }
            out.append(UInt8(bytes.count))
            out += bytes
        }
        out += [0, 0, 16, 0, 1]
        return out
    }

    /// A reply to our query; `text` nil when it holds no TXT answer (or an error RCODE).
    struct Reply {
        var text: String?
    }

    /// The reply to query `id`: nil when it is not one; `text` nil when it holds no TXT answer.
    static func parse(_ reply: [UInt8], id: UInt16) -> Reply? {
        guard reply.count >= 12, UInt16(reply[0]) << 8 | UInt16(reply[1]) == id, reply[2] & 0x80 != 0 else {
            return nil
        }
        guard reply[3] & 0x0f == 0 else { return Reply(text: nil) }
        let questions = Int(reply[4]) << 8 | Int(reply[5])
        let answers = Int(reply[6]) << 8 | Int(reply[7])
        var offset = 12
        for _ in 0..<questions {
            guard let end = skipName(reply, offset) else { return Reply(text: nil) }
            offset = end + 4
        }
        for _ in 0..<answers {
            guard let end = skipName(reply, offset), end + 10 <= reply.count else { return Reply(text: nil) }
            let type = Int(reply[end]) << 8 | Int(reply[end + 1])
            let length = Int(reply[end + 8]) << 8 | Int(reply[end + 9])
            let data = end + 10
            guard data + length <= reply.count else { return Reply(text: nil) }
            if type == 16 {
                var text: [UInt8] = []
                var at = data
                while at < data + length {
                    let count = Int(reply[at])
                    guard at + 1 + count <= data + length else { break }
                    text += reply[(at + 1)..<(at + 1 + count)]
                    at += 1 + count
                }
                return Reply(text: String(decoding: text, as: UTF8.self))
            }
            offset = data + length
        }
        return Reply(text: nil)
    }

    /// The offset just past the (possibly compressed) name at `offset`.
    private static func skipName(_ bytes: [UInt8], _ offset: Int) -> Int? {
        var at = offset
        while at < bytes.count {
            let length = Int(bytes[at])
            if length == 0 { return at + 1 }
            if length & 0xc0 == 0xc0 { return at + 2 <= bytes.count ? at + 2 : nil }
            at += 1 + length
        }
        return nil
    }
}
