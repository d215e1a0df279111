/// What an agent still has to deliver, sent with every upload in the `Fathom-Spool-Backlog` header
/// as `<batches> <bytes>` (this upload included), so the fleet page shows a node that is falling
/// behind before its spool overflows.
///
/// ```swift
/// let value = SpoolBacklog(batches: 3, bytes: 12_288).headerValue      // "3 12288"
/// SpoolBacklog(headerValue: "3 12288")?.batches                        // 3
/// ```
public struct SpoolBacklog: Sendable, Equatable, Codable {
    public var batches: Int
    public var bytes: Int

    public init(batches: Int, bytes: Int) {
        self.batches = batches
        self.bytes = bytes
    }

    public var headerValue: String { "\(batches) \(bytes)" }

    /// Two non-negative decimal integers separated by one space; anything else is nil (the header
    /// is advisory: a malformed one is ignored, never a reason to refuse the data).
    public init?(headerValue: String) {
        let parts = headerValue.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2,
            parts.allSatisfy({ !$0.isEmpty && $0.count <= 18 && $0.allSatisfy(\.isASCIIDigitCharacter) }),
            let batches = Int(parts[0]), let bytes = Int(parts[1])
        else { return nil }
        self.init(batches: batches, bytes: bytes)
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { ("0"..."9").contains(self) }
}
