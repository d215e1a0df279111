import Testing

@testable import FathomReceiver

@Suite struct MediaTypeTests {
    @Test(arguments: [
        "text/csv", "TEXT/CSV", "Text/Csv", "text/csv; charset=utf-8", "text/csv;charset=UTF-8",
        "text/csv ; charset=\"utf-8\"", "text/csv; header=present", "text/csv;",
    ])
    func csvMediaTypeIsCaseInsensitiveAndMayCarryParameters(header: String) {
        #expect(MediaType(header)?.isUTF8(essence: "text/csv") == true)
    }

    @Test(arguments: [
        "text/csvx", "text/plain", "text", "text/", "/csv", "text/csv/x", "text/csv; charset=latin1",
        "text/csv; charset", "text /csv", "", "application/json",
    ])
    func otherMediaTypesAndNonUTF8CharsetsAreRefused(header: String) {
        #expect(MediaType(header)?.isUTF8(essence: "text/csv") != true)
    }
}
