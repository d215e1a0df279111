import FathomAgent
import FathomShared
import FoundationEssentials
import Testing

/// The JSON messages of the iperf3 control protocol, against what real iperf3 3.12 sends.
@Suite(.timeLimit(.minutes(2))) struct ThroughputMessagesTests {
    @Test func parametersCarryIperf3Keys() throws {
        let json = JSONText.string(IperfParameters(time: 2, parallel: 2, reverse: true).json)
        for key in [
            #""tcp":true"#, #""time":2"#, #""parallel":2"#, #""reverse":true"#, #""len":131072"#, #""omit":0"#,
            #""client_version":"3.12""#,
        ] {
            #expect(json.contains(key), "\(key) in \(json)")
        }
        let forward = JSONText.string(IperfParameters(time: 2, parallel: 1, reverse: false).json)
        #expect(!forward.contains("reverse"))
    }

    @Test func capturedClientParametersDecode() throws {
        let captured =
            #"{"tcp":true,"omit":0,"time":3,"num":0,"blockcount":0,"parallel":2,"reverse":true,"len":131072,"pacing_timer":1000,"client_version":"3.12","future_key":[1]}"#
        let p = try IperfParameters(json: JSONText.parse(Array(captured.utf8)))
        #expect(p.parallel == 2 && p.reverse == true && p.time == 3 && p.unsupported == nil)
        let udp = try IperfParameters(json: JSONText.parse(Array(#"{"udp":true,"time":2,"parallel":1}"#.utf8)))
        #expect(udp.unsupported == nil)
        let sctp = try IperfParameters(json: JSONText.parse(Array(#"{"sctp":true,"time":2,"parallel":1}"#.utf8)))
        #expect(sctp.unsupported?.iperfErrno == IperfState.notImplemented)
        let huge = try IperfParameters(
            json: JSONText.parse(Array(#"{"tcp":true,"time":1000000000000,"len":1073741824}"#.utf8)))
        #expect(huge.unsupported != nil)
    }

    /// iperf3 3.12 prints −1 through an unsigned format; it must not make the results unreadable.
    @Test func unsignedMinusOneRetransmitsDecodeAsUnknown() throws {
        let captured =
            #"{"cpu_util_total":45.8,"cpu_util_user":0.9,"cpu_util_system":44.8,"sender_has_retransmits":18446744073709551615,"congestion_used":"bbr","streams":[{"id":1,"bytes":3584163840,"retransmits":18446744073709551615,"jitter":0,"errors":0,"packets":0,"start_time":0,"end_time":1.000489}]}"#
        let results = try IperfResults(json: JSONText.parse(Array(captured.utf8)))
        #expect(results.totalBytes == 3_584_163_840)
        #expect(results.streams[0].retransmitCount == nil)
    }

    /// Numbers as cJSON prints them (iperf3's own text): no fraction on integral values; a member
    /// of the wrong type is refused rather than read as absent.
    @Test func resultsCarryNumbersAsIperf3PrintsThem() throws {
        let results = IperfResults(
            streams: [.init(id: 1, bytes: 3000, retransmits: -1, endTime: 2.000289)], sender: false)
        let json = JSONText.string(results.json)
        for key in [
            #""retransmits":-1"#, #""jitter":0"#, #""end_time":2.000289"#, #""sender_has_retransmits":-1"#,
            #""cpu_util_total":0,"#,
        ] {
            #expect(json.contains(key), "\(key) in \(json)")
        }
        #expect(try IperfResults(json: JSONText.parse(Array(json.utf8))) == results)
        #expect(throws: JSONFields.Mismatch.self) {
            try IperfParameters(json: JSONText.parse(Array(#"{"tcp":true,"time":"2"}"#.utf8)))
        }
    }

    @Test func streamIDsFollowIperf3() {
        #expect((0..<4).map(StreamTransfer.streamID(index:)) == [1, 3, 4, 5])
    }

    @Test func cookieIs36AlphabetCharactersAndANul() {
        let cookie = IperfCookie.make()
        #expect(cookie.count == 37 && cookie.last == 0)
        #expect(cookie.dropLast().allSatisfy { Array("abcdefghijklmnopqrstuvwxyz234567".utf8).contains($0) })
    }

    @Test func parametersAreValidated() {
        #expect(throws: ThroughputError.invalidParameter("parallel 0 is not within 1...128")) {
            try ThroughputParameters(dest: "127.0.0.1", parallel: 0).validated()
        }
        #expect(throws: ThroughputError.self) { try ThroughputParameters(dest: "127.0.0.1", duration: 0).validated() }
        #expect(throws: ThroughputError.self) { try ThroughputParameters(dest: "127.0.0.1", port: 70000).validated() }
    }
}
