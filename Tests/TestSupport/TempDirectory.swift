import Foundation

/// A fresh directory (mkdtemp), removed by `remove()`; the tests' and the bench's scratch space.
///
/// ```swift
/// let dir = TempDirectory()
/// defer { dir.remove() }
/// try dir.write("fathom.toml", config)
/// ```
public struct TempDirectory: Sendable {
    public let path: String

    /// Created under `parent` (/tmp unless given: short paths leave room for unix socket names).
    public init(_ prefix: String = "fathom-test", in parent: String = "/tmp") {
        var template = Array("\(parent)/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!).map { String(cString: $0) } }
        guard let made else { preconditionFailure("mkdtemp in \(parent): \(String(cString: strerror(errno)))") }
        path = made
    }

    public func file(_ relative: String) -> String { path + "/" + relative }

    public func read(_ relative: String) -> String? {
        try? String(contentsOfFile: file(relative), encoding: .utf8)
    }

    public func write(_ relative: String, _ text: String) throws {
        try text.write(toFile: file(relative), atomically: true, encoding: .utf8)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
