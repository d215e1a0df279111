import FathomShared
import Testing

@testable import FathomReceiver

/// The 49 event types, their validators (esmond messages), and the metadata checksum.
@Suite(.timeLimit(.minutes(2))) struct ArchiveEventTypeTests {
    @Test func fortyNineEventTypesInSixKinds() {
        #expect(ArchiveEventTypes.all.count == 49)
        let counts = Dictionary(grouping: ArchiveEventTypes.all.values, by: { $0 }).mapValues(\.count)
        #expect(counts == [.integer: 14, .float: 7, .percentage: 2, .histogram: 4, .subinterval: 4, .json: 18])
        #expect(ArchiveEventTypes.kind(of: "streams-throughput-subintervals") == .json)
        #expect(ArchiveEventTypes.kind(of: "histogram-delay") == nil)
        #expect(ArchiveValueKind.histogram.allowedSummaries == [.aggregation, .statistics])
    }

    func message(_ value: JSONValue, _ kind: ArchiveValueKind) -> String? {
        do {
            _ = try ArchiveValueValidator.normalise(value, kind: kind)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func validatorsAcceptWhatClientsSendAndExplainTheRest() throws {
        #expect(
            try ArchiveValueValidator.normalise(.number(9_300_000_000.0), kind: .integer) == .integer(9_300_000_000))
        #expect(try ArchiveValueValidator.normalise(.string("42"), kind: .integer) == .integer(42))
        #expect(message(.string("abc"), .integer) == "Value must be an integer")
        #expect(message(.null, .integer) == "Value must be an integer")
        #expect(message(.array([]), .float) == "Value must be a floating point number")
        #expect(message(.object(["numerator": .integer(1)]), .percentage) == "Missing required field 'denominator'")
        #expect(
            message(.object(["numerator": .integer(1), "denominator": .integer(0)]), .percentage)
                == "The field 'denominator' must be greater than 0")
        #expect(
            message(.object(["numerator": .integer(-1), "denominator": .integer(3)]), .percentage)
                == "The field 'numerator' cannot be negative")
        #expect(
            message(.object(["numerator": .string("x"), "denominator": .integer(3)]), .percentage)
                == "The field 'numerator' must be an integer")
        #expect(message(.object(["1": .string("x")]), .histogram) == "Value of histogram must be an integer")
        #expect(message(.array([]), .histogram) == "Invalid histogram provided")
        #expect(message(.array([]), .subinterval) == "Empty subinterval provided")
        #expect(
            message(.array([.object(["start": .integer(0), "val": .integer(1)])]), .subinterval)
                == "Interval must contain 'duration' field at position 0")
        #expect(
            message(
                .array([.object(["start": .string("x"), "duration": .integer(1), "val": .integer(1)])]), .subinterval)
                == "Subinterval 'start' and 'duration' must be floating point numbers")
        #expect(message(.object(["anything": .array([.null])]), .json) == nil)
    }

    @Test func sha256MatchesTheFIPSVectors() {
        #expect(
            SHA256Digest.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256Digest.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func checksumIgnoresCaseButNotValuesOrSummaries() {
        let base = ArchiveMetadataInput(
            subjectType: .pointToPoint, subject: ["source": "10.0.0.1", "tool-name": "pscheduler/iperf3"],
            parameters: ["ip-transport-protocol": "tcp"],
            eventTypes: [ArchiveEventTypeEntry(eventType: "throughput", summaries: [ArchiveSummary(.average, 86400)])])
        var upper = base
        upper.subject["tool-name"] = "PSCHEDULER/IPERF3"
        upper.parameters["ip-transport-protocol"] = "TCP"
        #expect(upper.checksum == base.checksum)
        var window = base
        window.eventTypes[0].summaries = [ArchiveSummary(.average, 3600)]
        #expect(window.checksum != base.checksum)
        var parameter = base
        parameter.parameters["time-duration"] = "25.0"
        #expect(parameter.checksum != base.checksum)
    }
}
