/// Why a TOML document was rejected, and on which line.
///
/// `description` reads like a compiler diagnostic so config errors can be shown to an operator as is:
///
/// ```swift
/// do { _ = try TOMLTable.parse(text) } catch { print(error) }  // line 7: expected '=' after key 'interval'
/// ```
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line of the document where the problem was found.
    public let line: Int
    /// What was wrong, without the line prefix.
    public let message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}
