/// The host rows of one cluster's table on the fleet page, written straight into UTF-8 bytes.
///
/// A 10,000-host page is almost all rows, and rendering each of them through mustache (a context
/// lookup and a string per cell, escaping character by character) cost most of the page's time.
/// The page around the rows stays the mustache template (`FleetPageTemplate`); the row markup is
/// here. Strings that come from outside (host, agent version) are HTML-escaped as mustache would
/// (`& < > " '`); what the receiver formats itself (states, times, numbers, units) is written as it is.
///
/// ```swift
/// let html = FleetHostRows.html(view.clusters[0].hosts)   // "<tr data-host=…>…</tr>\n" per host
/// ```
enum FleetHostRows {
    static func html(_ hosts: [FleetView.Host]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(hosts.count * 400)
        for host in hosts { append(host, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    static func append(_ h: FleetView.Host, to out: inout [UInt8]) {
        let state = h.state.rawValue
        out += #"<tr data-host=""#.utf8
        escaped(h.host, to: &out)
        out += #"" data-state=""#.utf8
        out += state.utf8
        out += #""><td>"#.utf8
        escaped(h.host, to: &out)
        out += #"</td><td><span class="badge "#.utf8
        out += state.utf8
        out += #"">"#.utf8
        out += state.utf8
        out += "</span></td><td>".utf8
        out += h.lastUpload.utf8
        out += " <small>".utf8
        out += duration(h.ageSeconds).utf8
        out += " ago</small></td><td>".utf8
        out += (h.lastSample ?? "—").utf8
        out += "</td><td>".utf8
        out += duration(h.cadenceSeconds).utf8
        if h.cadenceSource != .learned { out += " (\(h.cadenceSource.rawValue))".utf8 }
        out += #"</td><td class="num">"#.utf8
        out += (h.cores.map(String.init) ?? "—").utf8
        out += #"</td><td class="num">"#.utf8
        out += (h.memoryGB.map { "\($0) GB" } ?? "—").utf8
        out += #"</td><td class="num">"#.utf8
        out += (h.gpus.map(String.init) ?? "—").utf8
        out += "</td><td>".utf8
        if let version = h.agentVersion { escaped(version, to: &out) } else { out += "—".utf8 }
        out += "</td><td>".utf8
        if let batches = h.backlogBatches, let bytes = h.backlogBytes {
            out += "\(batches) (\(Self.bytes(bytes)))".utf8
        } else {
            out += "—".utf8
        }
        out += "</td></tr>\n".utf8
    }

    /// `text` with `& < > " '` replaced by their entities, the characters mustache's `{{…}}` escapes.
    static func escaped(_ text: String, to out: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): out += "&amp;".utf8
            case UInt8(ascii: "<"): out += "&lt;".utf8
            case UInt8(ascii: ">"): out += "&gt;".utf8
            case UInt8(ascii: "\""): out += "&quot;".utf8
            case UInt8(ascii: "'"): out += "&#39;".utf8
            default: out.append(byte)
            }
        }
    }

    /// "42 s", "5 min", "3 h 10 min", "2 d 4 h".
    static func duration(_ seconds: Int64) -> String {
        let s = max(0, seconds)
        if s < 120 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min" }
        if s < 86_400 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86_400) d \(s % 86_400 / 3600) h"
    }

    static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1 << 20 { return "\(n >> 10) KiB" }
        if n < 1 << 30 { return "\(n >> 20) MiB" }
        return "\(n >> 30) GiB"
    }
}
