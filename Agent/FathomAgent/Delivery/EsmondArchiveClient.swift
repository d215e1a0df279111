import FathomShared

/// Delivers spooled measurement records to the receiver's esmond-compatible archive, as
/// pScheduler's esmond archiver does but without its silent losses: POST the metadata (the
/// receiver answers 201 with the existing key for a repeat), then PUT the run's data point
/// under that key. Only a 2xx on the PUT, or 409 (the point is already stored: a resend after
/// a lost acknowledgement), lets the spool drop the record.
///
/// ```swift
/// let archive = try EsmondArchiveClient(baseURL: "https://receiver:8443", token: token, http: http)
/// let result = await archive.upload(payload: record.spoolPayload)
/// ```
public final class EsmondArchiveClient: FailoverTarget {
    /// Where esmond clients find the archive on a receiver.
    public static let archivePath = "/esmond/perfsonar/archive/"

    public let archiveURL: String
    /// The agent's shared client; its owner shuts it down.
    public let http: AgentHTTPClient
    private let authorization: String
    private let timeoutSeconds: Int64

    public init(
        baseURL: String, token: String, http: AgentHTTPClient, insecureHTTP: Bool = false, timeoutSeconds: Int64 = 60
    ) throws(ConfigError) {
        if let problem = ReceiverEndpoint.schemeProblem(baseURL, insecureHTTP: insecureHTTP, what: "archive URL") {
            throw ConfigError(problem)
        }
        guard !token.isEmpty, !token.contains(where: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }) else {
            throw ConfigError("archive token must be one word without spaces")
        }
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        archiveURL = base.hasSuffix("/esmond/perfsonar/archive") ? base + "/" : base + Self.archivePath
        self.http = http
        authorization = "Token \(token)"
        self.timeoutSeconds = timeoutSeconds
    }

    public var address: String { archiveURL }

    /// Archives one spooled ``MeasurementRecord``.
    public func upload(payload: [UInt8]) async -> DeliveryResult {
        let record: MeasurementRecord
        do { record = try MeasurementRecord(spoolPayload: payload) } catch {
            return .refused(status: 0, message: "unreadable measurement record: \(error)")
        }
        let esmond = EsmondRecordMapping.map(record)
        let key: String
        switch await send("POST", url: archiveURL, body: esmond.metadata) {
        case .failure(let result):
            return result
        case .success(let (status, body)):
            guard (200...299).contains(status) else {
                return Self.classify(status: status, body: body, step: "metadata")
            }
            guard let parsed = try? JSONText.parse(Array(body.utf8)), case .string(let found)? = parsed["metadata-key"],
                !found.isEmpty, found.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            else {
                return .retryLater("archive answered \(status) to the metadata without a metadata-key")
            }
            key = found
        }
        switch await send("PUT", url: archiveURL + key + "/", body: esmond.data) {
        case .failure(let result):
            return result
        case .success(let (status, body)):
            // 409: a numeric point of this run is stored already, so the whole bulk write was (atomic).
            if (200...299).contains(status) || status == 409 { return .acknowledged }
            return Self.classify(status: status, body: body, step: "data")
        }
    }

    private enum Outcome {
        case success((Int, String))
        case failure(DeliveryResult)
    }

    private func send(_ method: String, url: String, body: JSONValue) async -> Outcome {
        let request = AgentHTTPRequest(
            method: method, url: url,
            headers: [
                ("Content-Type", "application/json"),
                ("Authorization", authorization),
                ("User-Agent", "fathom-agent/\(FathomVersion.string)"),
            ],
            body: JSONText.bytes(body))
        do {
            let response = try await http.execute(request, timeoutSeconds: timeoutSeconds, maxBodyBytes: 256 * 1024)
            return .success((response.status, response.text))
        } catch {
            if case .redirectRefused = error { return .failure(.retryLater("archive: \(error)")) }
            return .failure(.unavailable("archive \(url): \(error)"))
        }
    }

    /// 400 and 413 mean this record can never be stored (quarantine it); 429 and 5xx make this
    /// archive unavailable (the next one of the list is tried); authentication and redirect answers
    /// are retried here, since an operator can fix them without losing data.
    static func classify(status: Int, body: String, step: String) -> DeliveryResult {
        var detail = body.trimmingWhitespace()
        if let parsed = try? JSONText.parse(Array(body.utf8)), case .string(let text)? = parsed["detail"] {
            detail = text
        }
        if detail.count > 300 { detail = String(detail.prefix(300)) + "…" }
        if status == 400 || status == 413 { return .refused(status: status, message: "\(step): \(detail)") }
        if status == 429 || (500...599).contains(status) {
            return .unavailable("archive \(step): HTTP \(status) \(detail)")
        }
        return .retryLater("archive \(step): HTTP \(status) \(detail)")
    }
}
