import Foundation

/// A fresh directory under /tmp, removed by `remove()`.
public struct TempDirectory: Sendable {
    public let path: String

    public init(_ prefix: String = "fathom-test") {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(cString: template.map { UInt8(bitPattern: $0) }.dropLast() + [0])
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
