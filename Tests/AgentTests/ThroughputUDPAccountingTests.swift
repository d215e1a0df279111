import FathomAgent
import FathomShared
import FoundationEssentials
import Testing

/// The UDP data path's arithmetic, with vectors worked out by hand: datagram headers, RFC 1889
/// jitter, iperf3's loss and out-of-order accounting, the connect handshake bytes, the UDP
/// parameter JSON, and the pScheduler-shaped UDP result.
@Suite(.timeLimit(.minutes(2))) struct ThroughputUDPAccountingTests {
    // MARK: datagram header

    @Test func headerEncodesBigEndianWith32BitCounters() throws {
        let header = UDPDatagramHeader(seconds: 7, microseconds: 250, packetNumber: 1)
        #expect(header.encoded(counters64Bit: false) == [0, 0, 0, 7, 0, 0, 0, 0xfa, 0, 0, 0, 1])
        #expect(
            UDPDatagramHeader.decode([0, 0, 0, 7, 0, 0, 0, 0xfa, 0, 0, 0, 1, 0x5a, 0x5a], counters64Bit: false)
                == header)
    }

    @Test func headerEncodesBigEndianWith64BitCounters() throws {
        let header = UDPDatagramHeader(seconds: 0x0102_0304, microseconds: 999_999, packetNumber: 0x0102_0304_0506_0708)
        let bytes = header.encoded(counters64Bit: true)
        #expect(bytes == [1, 2, 3, 4, 0x00, 0x0f, 0x42, 0x3f, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(UDPDatagramHeader.decode(bytes, counters64Bit: true) == header)
        // The same bytes read with 32-bit counters: the packet number is the first four of the eight.
        #expect(UDPDatagramHeader.decode(bytes, counters64Bit: false)?.packetNumber == 0x0102_0304)
    }

    @Test func headerWraps32BitPacketNumbersAndRejectsShortDatagrams() {
        let wrapped = UDPDatagramHeader(seconds: 0, microseconds: 0, packetNumber: (1 << 32) + 5).encoded(
            counters64Bit: false)
        #expect(Array(wrapped.suffix(4)) == [0, 0, 0, 5])
        #expect(UDPDatagramHeader.decode(Array(repeating: 1, count: 11), counters64Bit: false) == nil)
        #expect(UDPDatagramHeader.decode(Array(repeating: 1, count: 15), counters64Bit: true) == nil)
        #expect(UDPDatagramHeader.size(counters64Bit: false) == 12 && UDPDatagramHeader.size(counters64Bit: true) == 16)
    }

    @Test func headerTimeIsMonotonicMicroseconds() {
        let before = UDPDatagramHeader.monotonicMicroseconds()
        let header = UDPDatagramHeader.now(packetNumber: 3)
        let after = UDPDatagramHeader.monotonicMicroseconds()
        #expect(header.microseconds < 1_000_000)
        #expect((before...after).contains(header.sentMicroseconds))
    }

    // MARK: jitter

    /// Transits 10, 12, 11, 11 ms: |Δ| = 2, 1, 0 ms; J = 2/16 = 0.125, then 0.125 + (1 − 0.125)/16
    /// = 0.1796875, then 0.1796875 − 0.1796875/16 = 0.16845703125 ms.
    @Test func jitterFollowsRFC1889() {
        var jitter = JitterEstimator()
        jitter.record(transit: 0.010)
        #expect(jitter.seconds == 0)
        jitter.record(transit: 0.012)
        #expect(abs(jitter.milliseconds - 0.125) < 1e-9)
        jitter.record(transit: 0.011)
        #expect(abs(jitter.milliseconds - 0.1796875) < 1e-9)
        jitter.record(transit: 0.011)
        #expect(abs(jitter.milliseconds - 0.16845703125) < 1e-9)
    }

    /// Only transit differences count: a sender clock 1000 s off changes nothing.
    @Test func jitterIgnoresClockOffset() {
        var a = JitterEstimator()
        var b = JitterEstimator()
        for (sent, arrival) in [(0, 500), (1000, 1700), (2000, 2400), (3000, 3650)] as [(Int64, Int64)] {
            a.record(sentMicroseconds: sent, arrivalMicroseconds: arrival)
            b.record(sentMicroseconds: sent + 1_000_000_000, arrivalMicroseconds: arrival)
        }
        // |Δ| = 200, 300, 250 µs: 12.5, 12.5 + 287.5/16 = 30.46875, 30.46875 + 219.53125/16 = 44.189453125 µs.
        #expect(abs(a.seconds * 1e6 - 44.189453125) < 1e-6)
        #expect(abs(a.seconds - b.seconds) < 1e-12)
    }

    // MARK: loss and reordering

    @Test func gapsAreLostAndLateArrivalsTakeThemBack() {
        var tracker = UDPSequenceTracker()
        for number in [1, 2, 3, 6] as [UInt64] { tracker.record(number) }
        #expect(tracker.highest == 6 && tracker.lost == 2 && tracker.outOfOrder == 0)
        tracker.record(4)
        #expect(tracker.lost == 1 && tracker.outOfOrder == 1)
        tracker.record(5)
        tracker.record(7)
        #expect(tracker.highest == 7 && tracker.lost == 0 && tracker.outOfOrder == 2 && tracker.received == 7)
    }

    @Test func duplicatesCountAsOutOfOrderAndLossNeverGoesNegative() {
        var tracker = UDPSequenceTracker()
        for number in [1, 2, 2, 3] as [UInt64] { tracker.record(number) }
        #expect(tracker.highest == 3 && tracker.lost == 0 && tracker.outOfOrder == 1)
    }

    @Test func firstDatagramAfterLossesCountsThem() {
        var tracker = UDPSequenceTracker()
        tracker.record(3)
        #expect(tracker.lost == 2)
        tracker.record(1)
        #expect(tracker.highest == 3 && tracker.lost == 1 && tracker.outOfOrder == 1)
    }

    @Test func garbagePacketNumbersSaturateInsteadOfTrapping() {
        var tracker = UDPSequenceTracker()
        tracker.record(1)
        tracker.record(.max)
        #expect(tracker.lost == .max && tracker.highestCount == .max)
        tracker.record(2)
        #expect(tracker.lost == .max - 1 && tracker.outOfOrder == 1)
    }

    // MARK: handshake and parameters

    @Test func connectBytesAreWhatLittleEndianIperf3Writes() {
        // UDP_CONNECT_MSG 0x36373839 and UDP_CONNECT_REPLY 0x39383736 as x86 stores them.
        #expect(UDPStreamHandshake.connectMessage == [0x39, 0x38, 0x37, 0x36])
        #expect(UDPStreamHandshake.connectReply == [0x36, 0x37, 0x38, 0x39])
        // 987654321 = 0x3ADE68B1, the pre-3.1 reply.
        #expect(
            UDPStreamHandshake.isReply([0xb1, 0x68, 0xde, 0x3a])
                && UDPStreamHandshake.isReply([0x3a, 0xde, 0x68, 0xb1]))
        #expect(UDPStreamHandshake.isReply(Array("6789".utf8)))
        #expect(!UDPStreamHandshake.isReply(Array("HTTP".utf8)) && !UDPStreamHandshake.isReply(Array("67890".utf8)))
    }

    @Test func udpParametersCarryIperf3Keys() throws {
        let json = JSONText.string(
            IperfParameters(time: 2, parallel: 1, reverse: false, udp: true, blockSize: 1448, bandwidth: 1_048_576).json
        )
        for key in [#""udp":true"#, #""len":1448"#, #""bandwidth":1048576"#, #""time":2"#, #""parallel":1"#] {
            #expect(json.contains(key), "\(key) in \(json)")
        }
        #expect(!json.contains("tcp") && !json.contains("udp_counters_64bit"))
    }

    /// Captured from iperf3 3.12 (`-u -b 1M`), plus `--udp-counters-64bit`.
    @Test func capturedUDPParametersAreHonoured() throws {
        let captured =
            #"{"udp":true,"omit":0,"time":2,"num":0,"blockcount":0,"parallel":1,"len":1448,"bandwidth":1048576,"pacing_timer":1000,"client_version":"3.12"}"#
        let p = try IperfParameters(json: JSONText.parse(Array(captured.utf8)))
        #expect(
            p.unsupported == nil && p.udp == true && p.len == 1448 && p.bandwidth == 1_048_576 && !p.udpCounters64Bit)
        let wide = try IperfParameters(
            json: JSONText.parse(Array(#"{"udp":true,"len":1448,"udp_counters_64bit":1}"#.utf8)))
        #expect(wide.unsupported == nil && wide.udpCounters64Bit)
    }

    @Test(arguments: [8, 15, 65508, 131072])
    func udpDatagramSizesIperf3RejectsAreRefusedWithItsErrorNumber(len: Int) throws {
        let p = try IperfParameters(json: JSONText.parse(Array(#"{"udp":true,"time":1,"len":\#(len)}"#.utf8)))
        #expect(p.unsupported?.iperfErrno == IperfState.udpBlockSize, "\(len)")
        #expect(p.unsupported?.reason.contains("\(len)") == true)
    }

    @Test func clientDefaultsFollowIperf3() throws {
        let udp = try ThroughputParameters(dest: "127.0.0.1", udp: true).validated()
        #expect(udp.effectiveBandwidth == 1_048_576)
        #expect(udp.udpDatagramSize(controlMSS: nil) == 1460 && udp.udpDatagramSize(controlMSS: 32768) == 32768)
        #expect(udp.udpDatagramSize(controlMSS: 65483) == 65483 && udp.udpDatagramSize(controlMSS: 70000) == 65507)
        #expect(
            try ThroughputParameters(dest: "127.0.0.1", udp: true, blockSize: 512).validated().udpDatagramSize(
                controlMSS: 1448) == 512)
        #expect(
            try ThroughputParameters(dest: "127.0.0.1", udp: true, bandwidth: 0).validated().effectiveBandwidth == nil)
        #expect(throws: ThroughputError.self) {
            try ThroughputParameters(dest: "127.0.0.1", udp: true, blockSize: 70000).validated()
        }
        #expect(throws: ThroughputError.self) { try ThroughputParameters(dest: "127.0.0.1", bandwidth: 0).validated() }
    }

    /// Captured from iperf3 3.12 as a UDP receiver (jitter in seconds), and the same with a
    /// packet count it wrote through an unsigned format: the message still decodes.
    @Test func udpResultsFromIperf3Decode() throws {
        let captured =
            #"{"cpu_util_total":0.62,"cpu_util_user":0,"cpu_util_system":0.62,"sender_has_retransmits":18446744073709551615,"streams":[{"id":1,"bytes":12517376,"retransmits":18446744073709551615,"jitter":2.4389152562130895e-05,"errors":3,"packets":382,"start_time":0,"end_time":2.000289}]}"#
        let stream = try #require(try IperfResults(json: JSONText.parse(Array(captured.utf8))).streams.first)
        #expect(
            stream.errors == 3 && stream.packets == 382 && stream.bytes == 12_517_376 && stream.retransmitCount == nil)
        #expect(abs((stream.jitter ?? 0) - 2.4389152562130895e-05) < 1e-15)
        let odd = captured.replacing(#""packets":382"#, with: #""packets":18446744071562067968"#)
        #expect(try IperfResults(json: JSONText.parse(Array(odd.utf8))).streams.first?.packets == nil)
    }

    // MARK: pScheduler result

    /// A sender's report (3 datagrams of 1000 bytes in 2 s, then 1 in the last interval) with a
    /// receiver that lost one and saw 0.25 ms of jitter.
    @Test func udpResultHasTheSenderViewWithTheReceiversLossAndJitter() throws {
        let tally = UDPStreamTally(
            transfer: .make(
                streamID: 1, socket: 7, sending: true, bytes: 4000, intervalBytes: [3000, 1000], seconds: 1.9),
            packets: 4, intervalPackets: [3, 1])
        var stream = IperfResults.Stream(id: 1, bytes: 3000, retransmits: -1, endTime: 2)
        stream.jitter = 0.00025
        stream.errors = 1
        stream.packets = 4
        let report = ThroughputReport(
            udp: [tally], remote: IperfResults(streams: [stream], sender: false), localSent: true, seconds: 2,
            diags: "test")
        let result = try ThroughputResult.decode(json: report.result.jsonString())
        let summary = try #require(result.summary)
        #expect(summary.summary.throughputBytes == 4000 && summary.summary.throughputBits == 16000)
        #expect(summary.summary.sent == 4 && summary.summary.lost == 1)
        #expect(abs((summary.summary.jitter ?? -1) - 0.25) < 1e-9)
        #expect(summary.summary.receiverThroughputBits == 12000)
        #expect(summary.summary.retransmits == nil && summary.summary.rtt == nil)
        #expect(
            summary.streams.count == 1 && summary.streams[0].streamID == 7 && summary.streams[0].sent == 4
                && summary.streams[0].lost == 1)
        #expect(abs((summary.streams[0].jitter ?? -1) - 0.25) < 1e-9)
        #expect(
            result.intervals.map(\.summary.sent) == [3, 1]
                && result.intervals.map(\.summary.throughputBytes) == [3000, 1000])
        // A sender's intervals carry no loss or jitter (it cannot know them), as in iperf3.
        #expect(result.intervals.allSatisfy { $0.summary.lost == nil && $0.summary.jitter == nil })
        #expect(
            report.summary.contains("1/4 lost (25.00%)") && report.summary.contains("jitter 0.250 ms"),
            "\(report.summary)")
    }

    /// A receiver's report: its own loss, jitter and per-interval counts; the summary's sender
    /// figures come from the peer.
    @Test func udpResultOfAReceiverUsesItsOwnLossAndJitter() throws {
        let tally = UDPStreamTally(
            transfer: .make(
                streamID: 1, socket: 5, sending: false, bytes: 9000, intervalBytes: [5000, 4000], seconds: 2),
            packets: 10, lost: 1, jitter: 0.001, intervalPackets: [5, 5], intervalLost: [1, 0],
            intervalJitter: [0.0005, 0.001])
        var stream = IperfResults.Stream(id: 1, bytes: 10000, retransmits: -1, endTime: 2)
        stream.packets = 10
        let report = ThroughputReport(
            udp: [tally], remote: IperfResults(streams: [stream], sender: true), localSent: false, seconds: 2, diags: ""
        )
        let summary = try #require(report.result.summary)
        #expect(summary.summary.throughputBytes == 10000 && summary.summary.sent == 10 && summary.summary.lost == 1)
        #expect(summary.summary.receiverThroughputBits == 36000)
        #expect(abs((summary.summary.jitter ?? 0) - 1.0) < 1e-9)
        #expect(report.result.intervals.map(\.summary.lost) == [1, 0])
        #expect(report.result.intervals.map { $0.streams[0].jitter ?? -1 } == [0.5, 1.0])
    }
}
