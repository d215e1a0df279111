import FathomAgent

extension AgentHTTPClient {
    /// A GET to `url`, or a POST of `body` when there is one, as the client tests send them:
    /// 20 s for the whole exchange, at most `maxBodyBytes` of answer.
    ///
    /// ```swift
    /// let response = try await http.testRequest("https://localhost:\(port)/echo", body: "payload")
    /// ```
    func testRequest(_ url: String, body: String = "", maxBodyBytes: Int = 64 * 1024)
        async throws(AgentHTTPError) -> AgentHTTPResponse
    {
        try await execute(
            AgentHTTPRequest(method: body.isEmpty ? "GET" : "POST", url: url, body: Array(body.utf8)),
            timeoutSeconds: 20, maxBodyBytes: maxBodyBytes)
    }
}
