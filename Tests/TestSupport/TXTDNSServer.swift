import Foundation
import Synchronization

/// A tiny authoritative DNS server on a free UDP port of 127.0.0.1 that answers TXT queries from
/// a table (Team Cymru's origin-AS service in the tests), NXDOMAIN for any other name, and
/// records every name asked; or, made `silent`, takes queries and never answers (a stalled
/// server). It serves on its own thread until `stop()`.
///
/// ```swift
/// let dns = try TXTDNSServer(records: ["AS64500.asn.cymru.com": ["64500 | ZZ | test | 2024-01-01 | EXAMPLE-NET, ZZ"]])
/// defer { dns.stop() }
/// // ask 127.0.0.1:\(dns.port) …; dns.asked == ["as64500.asn.cymru.com"]
/// ```
public final class TXTDNSServer: Sendable {
    /// Binding the socket failed.
    public struct BindFailure: Error, CustomStringConvertible {
        public var errno: Int32
        public var description: String { "binding a UDP socket on 127.0.0.1 failed: errno \(errno)" }
    }

    public let address = "127.0.0.1"
    public let port: UInt16
    /// Lowercased name without the final dot → the TXT record's character-strings (joined by
    /// clients; several strings test that they are).
    private let records: [String: [String]]
    private let silent: Bool
    private let socket: Int32
    private let state = Mutex<(asked: [String], stopped: Bool)>(([], false))
    private let done = Mutex<Bool>(false)

    /// Serves `records` (names matched case-insensitively, a trailing dot ignored); with `silent`
    /// it answers nothing at all.
    public init(records: [String: [String]] = [:], silent: Bool = false) throws(BindFailure) {
        var table: [String: [String]] = [:]
        for (name, strings) in records { table[Self.key(name)] = strings }
        self.records = table
        self.silent = silent
        let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BindFailure(errno: errno) }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &sin) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(fd, address, length) == 0 && getsockname(fd, address, &length) == 0
            }
        }
        guard bound else {
            let failure = errno
            close(fd)
            throw BindFailure(errno: failure)
        }
        socket = fd
        port = UInt16(bigEndian: sin.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// The names asked so far, lowercased, in order.
    public var asked: [String] { state.withLock { $0.asked } }

    /// Stops serving and closes the socket (within about 50 ms).
    public func stop() {
        state.withLock { $0.stopped = true }
        while !done.withLock({ $0 }) { usleep(5_000) }
    }

    private static func key(_ name: String) -> String {
        (name.hasSuffix(".") ? String(name.dropLast()) : name).lowercased()
    }

    private func serve() {
        defer {
            close(socket)
            done.withLock { $0 = true }
        }
        var buffer = [UInt8](repeating: 0, count: 1500)
        while !state.withLock({ $0.stopped }) {
            var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 1, 50) > 0 else { continue }
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &peer) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT), $0, &peerLength)
                }
            }
            guard count >= 12, let (name, questionEnd) = Self.question(Array(buffer[..<count])) else { continue }
            state.withLock { $0.asked.append(name) }
            if silent { continue }
            let reply = answer(Array(buffer[..<questionEnd]), name: name)
            _ = withUnsafePointer(to: &peer) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(socket, reply, reply.count, 0, $0, peerLength)
                }
            }
        }
    }

    /// The first question's name (lowercased, dotted) and the offset just past its type and class.
    private static func question(_ message: [UInt8]) -> (String, Int)? {
        var labels: [String] = []
        var at = 12
        while at < message.count {
            let length = Int(message[at])
            if length == 0 {
                guard at + 5 <= message.count else { return nil }
                return (labels.joined(separator: ".").lowercased(), at + 5)
            }
            guard length < 64, at + 1 + length <= message.count else { return nil }
            labels.append(String(decoding: message[(at + 1)..<(at + 1 + length)], as: UTF8.self))
            at += 1 + length
        }
        return nil
    }

    /// The reply to `query` (header and question): its TXT record, or NXDOMAIN.
    private func answer(_ query: [UInt8], name: String) -> [UInt8] {
        let type = Int(query[query.count - 4]) << 8 | Int(query[query.count - 3])
        let strings = records[name]
        let answers = type == 16 && strings != nil ? 1 : 0
        // QR + AA, the query's RD; RA; RCODE 3 (NXDOMAIN) for an unknown name.
        var reply = [query[0], query[1], 0x84 | (query[2] & 0x01), strings == nil ? 0x83 : 0x80]
        reply += [0, 1, 0, UInt8(answers), 0, 0, 0, 0]
        reply += query[12...]
        guard answers == 1, let strings else { return reply }
        var data: [UInt8] = []
        for string in strings {
            let bytes = Array(string.utf8.prefix(255))
            data += [UInt8(bytes.count)] + bytes
        }
        // Name: a pointer to the question's; type TXT, class IN, TTL 60.
        reply += [0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0, 60, UInt8(data.count >> 8), UInt8(data.count & 0xff)]
        return reply + data
    }
}
