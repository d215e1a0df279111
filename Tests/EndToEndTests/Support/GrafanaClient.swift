import FathomTestSupport
import Foundation

/// Calls a receiver's Grafana data source as the plugins do (POST JSON, Basic auth) and parses
/// the reply with Foundation's JSON parser.
struct GrafanaClient {
    let client: UploadClient
    let baseURL: String
    var user = "fox"
    var password = "fox-secret"

    struct Reply {
        var status: Int
        var body: String
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed]) }
        var list: [Any] { json as? [Any] ?? [] }
        var objects: [[String: Any]] { json as? [[String: Any]] ?? [] }
    }

    func post(_ endpoint: String, _ body: String) async throws -> Reply {
        let r = try await client.send(
            baseURL + "/grafana/" + endpoint, contentType: "application/json", user: user, password: password,
            body: body)
        return Reply(status: r.status, body: r.body)
    }

    /// The datapoints of every series of a `/query`, by target name: `[(value, unix ms)]`.
    func series(_ body: String) async throws -> [String: [(Double, Int64)]] {
        let reply = try await post("query", body)
        guard reply.status == 200 else { throw TestFailure("query: \(reply.status) \(reply.body)") }
        var out: [String: [(Double, Int64)]] = [:]
        for frame in reply.objects {
            guard let name = frame["target"] as? String, let points = frame["datapoints"] as? [[NSNumber]] else {
                continue
            }
            out[name] = points.map { ($0[0].doubleValue, $0[1].int64Value) }
        }
        return out
    }

    static func query(
        _ metric: String, payload: String, from: Int64, to: Int64, intervalMs: Int = 1000,
        maxDataPoints: Int = 10_000
    ) -> String {
        """
        {"panelId":1,"range":{"from":"\(GrafanaSamples.iso(from))","to":"\(GrafanaSamples.iso(to))",
         "raw":{"from":"now-6h","to":"now"}},"rangeRaw":{"from":"now-6h","to":"now"},"interval":"1s",
         "intervalMs":\(intervalMs),"maxDataPoints":\(maxDataPoints),
         "targets":[{"target":"\(metric)","refId":"A","payload":\(payload)}],"filters":[]}
        """
    }
}
