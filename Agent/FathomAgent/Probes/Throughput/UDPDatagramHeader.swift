import Glibc

/// The header at the start of every iperf3 UDP datagram (`iperf_udp_send`): the send time as
/// seconds and microseconds (each u32 big-endian), then the packet number, u32 big-endian, or u64
/// big-endian when the test negotiated `udp_counters_64bit`. Packet numbers start at 1.
///
/// The time is the sender's `CLOCK_MONOTONIC`, as iperf3's `iperf_time_now`; the receiver only
/// ever uses differences of transit times, so the two clocks need not agree.
///
/// ```swift
/// let header = UDPDatagramHeader(seconds: 7, microseconds: 250, packetNumber: 1)
/// let bytes = header.encoded(counters64Bit: false)          // 12 bytes: 00 00 00 07 00 00 00 fa 00 00 00 01
/// let back = UDPDatagramHeader.decode(bytes, counters64Bit: false)   // == header
/// ```
public struct UDPDatagramHeader: Sendable, Equatable {
    public var seconds: UInt32
    public var microseconds: UInt32
    /// With 32-bit counters only the low 32 bits go on the wire (iperf3 wraps the same way).
    public var packetNumber: UInt64

    public init(seconds: UInt32, microseconds: UInt32, packetNumber: UInt64) {
        self.seconds = seconds
        self.microseconds = microseconds
        self.packetNumber = packetNumber
    }

    /// Header bytes: 12 with 32-bit packet numbers, 16 with 64-bit ones.
    public static func size(counters64Bit: Bool) -> Int { counters64Bit ? 16 : 12 }

    /// A header stamped with the current monotonic time.
    public static func now(packetNumber: UInt64) -> UDPDatagramHeader {
        let microseconds = monotonicMicroseconds()
        return UDPDatagramHeader(
            seconds: UInt32(truncatingIfNeeded: microseconds / 1_000_000),
            microseconds: UInt32(microseconds % 1_000_000),
            packetNumber: packetNumber)
    }

    /// The send time in microseconds, on the sender's clock.
    public var sentMicroseconds: Int64 { Int64(seconds) * 1_000_000 + Int64(microseconds) }

    /// Writes the header at the start of `buffer`, which must hold `size(counters64Bit:)` bytes.
    public func encode(into buffer: UnsafeMutableRawPointer, counters64Bit: Bool) {
        buffer.storeBytes(of: seconds.bigEndian, toByteOffset: 0, as: UInt32.self)
        buffer.storeBytes(of: microseconds.bigEndian, toByteOffset: 4, as: UInt32.self)
        if counters64Bit {
            buffer.storeBytes(of: packetNumber.bigEndian, toByteOffset: 8, as: UInt64.self)
        } else {
            buffer.storeBytes(of: UInt32(truncatingIfNeeded: packetNumber).bigEndian, toByteOffset: 8, as: UInt32.self)
        }
    }

    public func encoded(counters64Bit: Bool) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size(counters64Bit: counters64Bit))
        bytes.withUnsafeMutableBytes { encode(into: $0.baseAddress!, counters64Bit: counters64Bit) }
        return bytes
    }

    /// The header of a received datagram; nil when it is too short to hold one.
    public static func decode(_ datagram: UnsafeRawBufferPointer, counters64Bit: Bool) -> UDPDatagramHeader? {
        guard datagram.count >= size(counters64Bit: counters64Bit) else { return nil }
        let seconds = UInt32(bigEndian: datagram.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let microseconds = UInt32(bigEndian: datagram.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let packetNumber =
            counters64Bit
            ? UInt64(bigEndian: datagram.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            : UInt64(UInt32(bigEndian: datagram.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        return UDPDatagramHeader(seconds: seconds, microseconds: microseconds, packetNumber: packetNumber)
    }

    public static func decode(_ datagram: [UInt8], counters64Bit: Bool) -> UDPDatagramHeader? {
        datagram.withUnsafeBytes { decode($0, counters64Bit: counters64Bit) }
    }

    /// `CLOCK_MONOTONIC` in microseconds: the clock of the header and of arrival times.
    public static func monotonicMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }
}
