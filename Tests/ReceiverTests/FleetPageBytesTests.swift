import FathomShared
import Foundation
import Testing

@testable import FathomReceiver

/// The fleet page's rows and `/fleet.json`, both written as bytes without mustache or
/// `JSONEncoder`: the JSON must be exactly what `JSONEncoder` with sorted keys writes, and the
/// rows must escape what comes from outside.
@Suite(.timeLimit(.minutes(1))) struct FleetPageBytesTests {
    static func view() -> FleetView {
        var odd = FleetView.Host(
            host: "c1", state: .silent, ageSeconds: 4_000, lastUpload: "2026-11-25T10:00:00+00:00", lastSample: nil,
            cadenceSeconds: 300, cadenceSource: .assumed, cores: nil, memoryGB: nil, gpus: nil,
            agentVersion: #"1.0<b>"&'\/é"#, backlogBatches: nil, backlogBytes: nil)
        var plain = odd
        plain.host = "c2"
        plain.state = .online
        plain.ageSeconds = 42
        plain.lastSample = "2026-11-25T09:59:58+00:00"
        plain.cadenceSource = .learned
        plain.cores = 128
        plain.memoryGB = 512
        plain.gpus = 4
        plain.agentVersion = "0.1.0"
        plain.backlogBatches = 2
        plain.backlogBytes = 18_000
        odd.agentVersion! += "\u{1}\n\t"
        return FleetView(
            generatedAt: "2026-11-25T11:00:00+00:00",
            clusters: [FleetView.Cluster(name: "fox", online: 1, late: 0, silent: 1, hosts: [odd, plain])])
    }

    @Test func jsonIsWhatJSONEncoderWritesWithSortedKeys() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let expected = try encoder.encode(Self.view())
        let written = FleetJSON.encode(Self.view())
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        #expect(try JSONDecoder().decode(FleetView.self, from: Data(written)) == Self.view())
    }

    @Test func rowsEscapeWhatComesFromOutsideAndCarryHostAndState() {
        let page = FleetPage.render(Self.view())
        #expect(
            page.contains(
                #"<tr data-host="c1" data-state="silent"><td>c1</td><td><span class="badge silent">silent</span></td>"#)
        )
        #expect(page.contains("<td>1.0&lt;b&gt;&quot;&amp;&#39;\\/é\u{1}\n\t</td>"))
        #expect(!page.contains("<b>"))
        #expect(
            page.contains(
                #"<td>2026-11-25T10:00:00+00:00 <small>1 h 6 min ago</small></td><td>—</td><td>5 min (assumed)</td>"#))
        #expect(
            page.contains(
                #"<td class="num">128</td><td class="num">512 GB</td><td class="num">4</td><td>0.1.0</td><td>2 (17 KiB)</td></tr>"#
            ))
        #expect(page.contains(#"<h2>fox</h2>"#) && page.contains("</tr>\n</tbody>\n</table>\n</section>"))
    }

    @Test func timestampsAreFormattedAsBefore() {
        #expect(SonarTimestamp.format(epochSeconds: 0, utcOffsetSeconds: 3600) == "1970-01-01T01:00:00+01:00")
        #expect(
            SonarTimestamp.format(epochSeconds: 1_795_600_800, utcOffsetSeconds: -19_800) == "2026-11-25T04:30:00-05:30"
        )
        #expect(
            SonarTimestamp.format(epochSeconds: 253_402_300_800, utcOffsetSeconds: 0) == "10000-01-01T00:00:00+00:00")
    }
}
