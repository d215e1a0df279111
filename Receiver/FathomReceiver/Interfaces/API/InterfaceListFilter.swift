import Foundation

/// The django-filter lookups the interface lists honour, on `ifName`, `ifAlias` and (flat list)
/// `device__name`: exact, `__contains`, `__icontains`, `__startswith`, `__istartswith`, `__in`
/// (comma-separated). Other parameters are ignored, as django-filter ignores unknown ones.
struct InterfaceListFilter {
    var conditions: [(field: String, lookup: String, value: String)] = []

    init(query: [String: String]) {
        for (key, value) in query {
            let parts = key.components(separatedBy: "__")
            let field: String
            let lookup: String
            if parts.first == "device", parts.count >= 2, parts[1] == "name" {
                field = "device"
                lookup = parts.count > 2 ? parts[2] : "exact"
            } else if parts.first == "ifName" || parts.first == "ifAlias" {
                field = parts[0]
                lookup = parts.count > 1 ? parts[1] : "exact"
            } else {
                continue
            }
            conditions.append((field, lookup, value))
        }
    }

    func admits(_ row: InterfaceLifeCycleRow) -> Bool {
        conditions.allSatisfy { condition in
            let text =
                switch condition.field {
                case "device": row.host
                case "ifName": row.name
                default: row.alias
                }
            let value = condition.value
            switch condition.lookup {
            case "exact": return text == value
            case "iexact": return text.lowercased() == value.lowercased()
            case "contains": return text.contains(value)
            case "icontains": return text.lowercased().contains(value.lowercased())
            case "startswith": return text.hasPrefix(value)
            case "istartswith": return text.lowercased().hasPrefix(value.lowercased())
            case "endswith": return text.hasSuffix(value)
            case "in": return value.split(separator: ",").contains { String($0) == text }
            default: return true
            }
        }
    }
}
