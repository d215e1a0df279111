import FathomAgent
import FathomShared
import Testing

/// The rtt statistics: duplicates, reorders, loss as a fraction, ping's mdev, error entries, and
/// the result's JSON round trip and spec.
@Suite(.timeLimit(.minutes(1))) struct RTTTallyTests {
    @Test func countsDuplicatesReordersAndLossFromPerPacketData() {
        var tally = RTTTally()
        for seq in 1...5 { tally.sent(seq: seq) }
        tally.reply(seq: 2, length: 64, ip: "10.0.0.2", ttl: 64, rtt: .microseconds(200))
        tally.reply(seq: 1, length: 64, ip: "10.0.0.2", ttl: 64, rtt: .microseconds(400))  // below 2: reorder
        tally.reply(seq: 1, length: 64, ip: "10.0.0.2", ttl: 64, rtt: .microseconds(500))  // duplicate
        tally.reply(seq: 4, length: 64, ip: "10.0.0.2", ttl: 64, rtt: .microseconds(600))
        tally.reply(seq: 9, length: 64, ip: "10.0.0.2", ttl: 64, rtt: .microseconds(1))  // never sent
        tally.error(seq: 3, ip: "10.0.0.1", error: "host-unreachable")
        let result = tally.result()
        #expect(result.sent == 5 && result.received == 3 && result.lost == 2 && result.loss == 0.4)
        #expect(result.duplicates == 1 && result.reorders == 1)
        #expect(result.roundtrips.map(\.seq) == [2, 1, 4, 3])
        #expect(result.roundtrips.last == RTTRoundtrip(seq: 3, ip: "10.0.0.1", error: "host-unreachable"))
        // 200, 400, 600 µs: mean 400, population deviation sqrt(80000/3) ≈ 163.3 µs.
        #expect(result.min == "PT0.0002S" && result.max == "PT0.0006S" && result.mean == "PT0.0004S")
        #expect(result.stddev == "PT0.000163S")
    }

    @Test func noReplyMeansFullLossAndNoStatistics() {
        var tally = RTTTally()
        for seq in 1...3 { tally.sent(seq: seq) }
        let result = tally.result()
        #expect(result.succeeded && result.loss == 1.0 && result.received == 0 && result.lost == 3)
        #expect(result.min == nil && result.mean == nil && result.max == nil && result.stddev == nil)
    }

    @Test func resultJSONIsPSchedulersShapeAndReadsBack() throws {
        var tally = RTTTally()
        tally.sent(seq: 1)
        tally.sent(seq: 2)
        tally.reply(seq: 1, length: 64, ip: "10.0.1.25", ttl: 64, rtt: .microseconds(333))
        tally.error(seq: 2, ip: "10.0.1.1", error: nil)
        let result = tally.result(diags: "icmp datagram socket")
        let json = result.jsonString()
        #expect(json.contains(#"{"ip":"10.0.1.25","length":64,"rtt":"PT0.000333S","seq":1,"ttl":64}"#), "\(json)")
        #expect(json.contains(#"{"ip":"10.0.1.1","seq":2}"#), "an unnamed ICMP error has no error key: \(json)")
        #expect(json.contains(#""loss":0.5"#) && json.contains(#""lost":1"#) && json.contains(#""sent":2"#))
        #expect(try RTTResult.decode(json: json) == result)
        let failure = RTTResult.failure("cannot resolve")
        #expect(
            failure.jsonString()
                == #"{"error":"cannot resolve","loss":1.0,"roundtrips":[],"schema":1,"succeeded":false}"#)
        #expect(try RTTResult.decode(json: failure.jsonString()) == failure)
    }

    @Test func parametersValidateAndRoundTripThroughTheSpec() throws {
        let parameters = try RTTParameters(
            dest: "10.0.0.2", count: 10, interval: .milliseconds(250), length: 100, ttl: 9
        )
        .validated()
        #expect(parameters.duration == .milliseconds(250 * 9 + 1000))
        let spec = parameters.specJSON
        #expect(JSONText.string(spec).contains(#""interval":"PT0.25S""#))
        #expect(try RTTParameters(specJSON: spec) == parameters)
        #expect(throws: RTTError.self) { try RTTParameters(dest: "x", count: 0).validated() }
        #expect(throws: RTTError.self) { try RTTParameters(dest: "x", ttl: 256).validated() }
        #expect(throws: RTTError.self) { try RTTParameters(dest: "x", ipVersion: 5).validated() }
    }
}
