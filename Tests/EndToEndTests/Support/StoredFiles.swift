import Foundation

/// Reads every stored line of a cluster's data tree: path relative to the cluster → lines.
func storedFiles(_ dataDirectory: String, cluster: String) -> [String: String] {
    let root = dataDirectory + "/" + cluster
    var out: [String: String] = [:]
    guard let walker = FileManager.default.enumerator(atPath: root) else { return out }
    for case let rel as String in walker {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue {
            out[rel] = try? String(contentsOfFile: root + "/" + rel, encoding: .utf8)
        }
    }
    return out
}
