import FathomShared
import HTTPTypes

/// A refusal of the device API, with esmond's body for it: `{"error": …}`, `{"query error": …}` or
/// DRF's `{"detail": …}`.
public struct DeviceAPIError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var key: String
    public var message: String

    public init(_ status: HTTPResponse.Status, key: String, _ message: String) {
        self.status = status
        self.key = key
        self.message = message
    }

    static func queryError(_ message: String) -> Self { Self(.badRequest, key: "query error", message) }
    static func error(_ message: String) -> Self { Self(.badRequest, key: "error", message) }
    static func detail(_ status: HTTPResponse.Status, _ message: String) -> Self {
        Self(status, key: "detail", message)
    }

    var body: JSONValue { .object([key: .string(message)]) }
}
