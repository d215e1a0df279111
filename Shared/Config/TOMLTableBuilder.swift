/// A table under construction, with what the TOML rules on redefinition need to know about it.
///
/// The public `TOMLTable` is a plain value; this class exists because deciding whether `[a.b]` or
/// `a.b = 1` is legal depends on *how* each table came to exist, which the finished value forgets.
final class TOMLTableBuilder {
    /// How a table was created; each origin allows different later extensions.
    enum Origin {
        /// Created as the parent of a header, e.g. `a` by `[a.b]`; a later `[a]` may still define it once.
        case implicit
        /// Defined by its own `[header]` (or the document root); a second header is a redefinition.
        case header
        /// Created by a dotted key such as `a.b = 1`; only further dotted keys in the same table may add to it.
        case dotted
        /// The root of an inline table `{ ... }`; once written it is stored as a plain value and closed.
        case inline
    }

    enum Entry {
        case value(TOMLValue)
        case table(TOMLTableBuilder)
        /// Created by `[[header]]`; new elements are appended by repeating the header.
        case tableArray([TOMLTableBuilder])
    }

    var origin: Origin
    private var entries: [String: Entry] = [:]
    private var order: [String] = []

    init(origin: Origin) {
        self.origin = origin
    }

    private func set(_ key: String, _ entry: Entry) {
        if entries.updateValue(entry, forKey: key) == nil { order.append(key) }
    }

    /// Handles `[path]`: walks or creates the parents, then defines the last table.
    func defineTable(_ path: [String]) throws(TOMLBuildError) -> TOMLTableBuilder {
        let parent = try headerParent(of: path)
        let key = path[path.count - 1]
        let name = TOMLKeyPath.display(path)
        switch parent.entries[key] {
        case nil:
            let table = TOMLTableBuilder(origin: .header)
            parent.set(key, .table(table))
            return table
        case .table(let table):
            switch table.origin {
            case .implicit:
                table.origin = .header
                return table
            case .header, .inline: throw TOMLBuildError("table [\(name)] is defined more than once")
            case .dotted: throw TOMLBuildError("table [\(name)] was already defined by dotted keys")
            }
        case .tableArray:
            throw TOMLBuildError("table [\(name)] conflicts with array of tables [[\(name)]]")
        case .value(let value):
            throw TOMLBuildError.notATable(value, name: name)
        }
    }

    /// Handles `[[path]]`: walks or creates the parents, then appends a new table to the array.
    func appendTable(_ path: [String]) throws(TOMLBuildError) -> TOMLTableBuilder {
        let parent = try headerParent(of: path)
        let key = path[path.count - 1]
        let name = TOMLKeyPath.display(path)
        let element = TOMLTableBuilder(origin: .header)
        switch parent.entries[key] {
        case nil:
            parent.set(key, .tableArray([element]))
        case .tableArray(let elements):
            parent.set(key, .tableArray(elements + [element]))
        case .table:
            throw TOMLBuildError("array of tables [[\(name)]] conflicts with table [\(name)]")
        case .value(.array):
            throw TOMLBuildError("cannot append to static array '\(name)' with [[\(name)]]")
        case .value(let value):
            throw TOMLBuildError.notATable(value, name: name)
        }
        return element
    }

    /// Handles `path = value` written inside this table; `prefix` is this table's own path, used
    /// only so messages name keys in full (`agent.interval`, not `interval`).
    func assign(_ path: [String], _ value: TOMLValue, prefix: [String] = []) throws(TOMLBuildError) {
        var table = self
        for (index, key) in path.dropLast().enumerated() {
            let name = TOMLKeyPath.display(prefix + path[...index])
            switch table.entries[key] {
            case nil:
                let child = TOMLTableBuilder(origin: .dotted)
                table.set(key, .table(child))
                table = child
            case .table(let child) where child.origin == .dotted:
                table = child
            case .table:
                throw TOMLBuildError("cannot add keys to table [\(name)] with dotted keys after it was defined")
            case .tableArray:
                throw TOMLBuildError("cannot add keys to array of tables '\(name)' with dotted keys")
            case .value(let existing):
                throw TOMLBuildError.notATable(existing, name: name)
            }
        }
        let key = path[path.count - 1]
        guard table.entries[key] == nil else {
            throw TOMLBuildError("duplicate key '\(TOMLKeyPath.display(prefix + path))'")
        }
        table.set(key, .value(value))
    }

    /// Walks every key but the last of a header, creating implicit tables and entering the newest
    /// element of arrays of tables, as `[[fruit]]` followed by `[fruit.variety]` requires.
    private func headerParent(of path: [String]) throws(TOMLBuildError) -> TOMLTableBuilder {
        var table = self
        for (index, key) in path.dropLast().enumerated() {
            let name = TOMLKeyPath.display(path[...index])
            switch table.entries[key] {
            case nil:
                let child = TOMLTableBuilder(origin: .implicit)
                table.set(key, .table(child))
                table = child
            case .table(let child):
                table = child
            case .tableArray(let elements):
                table = elements[elements.count - 1]
            case .value(let value):
                throw TOMLBuildError.notATable(value, name: name)
            }
        }
        return table
    }

    /// The finished, immutable table.
    func build() -> TOMLTable {
        var result = TOMLTable()
        for key in order {
            switch entries[key]! {
            case .value(let value): result[key] = value
            case .table(let table): result[key] = .table(table.build())
            case .tableArray(let tables): result[key] = .array(tables.map { .table($0.build()) })
            }
        }
        return result
    }
}

/// A violated redefinition rule; the parser adds the line number.
struct TOMLBuildError: Error {
    let message: String
    init(_ message: String) { self.message = message }

    /// A key was used as a table but already holds a value; inline tables get their own wording
    /// because "holds a table, not a table" would baffle the reader.
    static func notATable(_ value: TOMLValue, name: String) -> TOMLBuildError {
        if case .table = value { return TOMLBuildError("inline table '\(name)' cannot be extended") }
        let article = value.typeName.first.map { "aeiou".contains($0) } == true ? "an" : "a"
        return TOMLBuildError("key '\(name)' already holds \(article) \(value.typeName), not a table")
    }
}

/// Formats key paths for messages the way they would be written in TOML.
enum TOMLKeyPath {
    static func display(_ path: some Sequence<String>) -> String {
        path.map(quoteIfNeeded).joined(separator: ".")
    }

    static func quoteIfNeeded(_ key: String) -> String {
        let bare = !key.isEmpty && key.utf8.allSatisfy(isBareKeyByte)
        if bare { return key }
        var quoted = "\""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
