import Glibc

/// A deliberate miscount, for tests only: proof that the interop tests compare the responder's
/// counts with what iperf3 itself counted, not with the responder's own figures relayed back.
///
/// `FATHOM_TEST_MISCOUNT_BYTES=FACTOR` in the responder's environment multiplies every byte it
/// counts (each stream's total and per-second bytes, TCP and UDP) by FACTOR before the counts go
/// into its report and into EXCHANGE_RESULTS, as a responder with a counting bug would. Unset (or
/// not a positive number other than 1), nothing changes.
///
/// ```swift
/// // FATHOM_TEST_MISCOUNT_BYTES=1.25 fathom-agent responder --once --json
/// let tallies = ResponderMiscount.fromEnvironment()?.applied(to: counted) ?? counted
/// ```
public struct ResponderMiscount: Sendable, Equatable {
    /// The environment variable the responder reads.
    public static let bytesVariable = "FATHOM_TEST_MISCOUNT_BYTES"

    /// What every counted byte is multiplied by.
    public var bytesFactor: Double

    public init(bytesFactor: Double) {
        self.bytesFactor = bytesFactor
    }

    /// The miscount `FATHOM_TEST_MISCOUNT_BYTES` asks for, or nil for an honest count.
    public static func fromEnvironment() -> ResponderMiscount? {
        guard let raw = getenv(bytesVariable), let factor = Double(String(cString: raw)), factor > 0, factor != 1 else {
            return nil
        }
        return ResponderMiscount(bytesFactor: factor)
    }

    /// A TCP stream's tally with its bytes miscounted.
    public func applied(to tally: StreamTransfer.Tally) -> StreamTransfer.Tally {
        var miscounted = tally
        miscounted.bytes = scaled(tally.bytes)
        miscounted.intervalBytes = tally.intervalBytes.map(scaled)
        return miscounted
    }

    /// A UDP stream's tally with its bytes miscounted (datagram counts, loss and jitter as counted).
    public func applied(to tally: UDPStreamTally) -> UDPStreamTally {
        var miscounted = tally
        miscounted.transfer = applied(to: tally.transfer)
        return miscounted
    }

    private func scaled(_ bytes: Int64) -> Int64 { Int64((Double(bytes) * bytesFactor).rounded()) }
}
