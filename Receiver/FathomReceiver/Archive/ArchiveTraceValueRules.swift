import FathomShared

/// The shapes esmond's clients expect of the JSON-typed event types that strangers can otherwise
/// fill with anything: `packet-trace` (a list of hops), `packet-trace-multi` (a list of such lists)
/// and `failures` (`{"error": string}`). esmond stored any JSON here; reading such a value back
/// broke `esmond-ps-get`, and one 50,000-hop value made every later read of the series huge.
///
/// ```swift
/// try ArchiveTraceValueRules.check(.array([.object(["ttl": .integer(1), "ip": .string("10.0.0.1")])]),
///                                  eventType: "packet-trace")
/// ```
enum ArchiveTraceValueRules {
    /// 255 TTLs with a few queries each is the most any traceroute reports.
    static let maxHops = 1_024
    static let maxPaths = 64
    static let maxHopsPerValue = 4_096
    static let maxErrorBytes = 16 << 10
    /// Host names are at most 253 bytes; the rest are short words or addresses.
    static let maxFieldBytes = 255

    /// Checks `value` for `eventType`; types without a rule here pass unchanged.
    static func check(_ value: JSONValue, eventType: String) throws(ArchiveValidationError) {
        switch eventType {
        case "packet-trace":
            try path(value, at: "")
        case "packet-trace-multi":
            guard case .array(let paths) = value else {
                throw ArchiveValidationError("packet-trace-multi value must be a list of paths (lists of hops)")
            }
            guard paths.count <= maxPaths else {
                throw ArchiveValidationError("packet-trace-multi value has \(paths.count) paths (limit \(maxPaths))")
            }
            var total = 0
            for (index, item) in paths.enumerated() {
                total += try path(item, at: "path \(index + 1): ")
                guard total <= maxHopsPerValue else {
                    throw ArchiveValidationError("packet-trace-multi value has over \(maxHopsPerValue) hops")
                }
            }
        case "failures":
            try failure(value)
        default:
            return
        }
    }

    /// One path; returns its hop count.
    @discardableResult
    static func path(_ value: JSONValue, at prefix: String) throws(ArchiveValidationError) -> Int {
        guard case .array(let hops) = value else {
            throw ArchiveValidationError("\(prefix)packet-trace value must be a list of hop objects")
        }
        guard hops.count <= maxHops else {
            throw ArchiveValidationError("\(prefix)packet-trace value has \(hops.count) hops (limit \(maxHops))")
        }
        for (index, hop) in hops.enumerated() {
            try self.hop(hop, at: "\(prefix)hop \(index + 1)")
        }
        return hops.count
    }

    /// A hop as pScheduler's esmond archiver writes it (§6.4 of the spec), plus `error_message`,
    /// the spelling of esmond's old documentation. Only `ttl` is required; `null` counts as absent.
    static func hop(_ value: JSONValue, at place: String) throws(ArchiveValidationError) {
        guard case .object(let fields) = value else { throw ArchiveValidationError("\(place): must be an object") }
        guard fields["ttl"] != nil, fields["ttl"] != .null else {
            throw ArchiveValidationError("\(place): missing 'ttl'")
        }
        for (name, field) in fields where field != .null {
            switch name {
            case "ttl": try integer(field, 0...255, "\(place): 'ttl'")
            case "query": try integer(field, 0...1_024, "\(place): 'query'")
            case "mtu": try integer(field, 0...1_000_000, "\(place): 'mtu'")
            case "success":
                if case .bool = field { continue }
                try integer(field, 0...1, "\(place): 'success'")
            case "rtt":
                guard case .number(let v) = field.numberOnly, v.isFinite, v >= 0, v < 1e9 else {
                    throw ArchiveValidationError("\(place): 'rtt' must be a non-negative number of milliseconds")
                }
            case "ip", "hostname", "error-message", "error_message":
                try string(field, maxBytes: maxFieldBytes, "\(place): '\(name)'")
            case "as":
                guard case .object(let system) = field else {
                    throw ArchiveValidationError("\(place): 'as' must be an object with 'number' and 'owner'")
                }
                for (key, member) in system where member != .null {
                    switch key {
                    case "number": try integer(member, 0...Int64(UInt32.max), "\(place): 'as.number'")
                    case "owner": try string(member, maxBytes: maxFieldBytes, "\(place): 'as.owner'")
                    default: throw ArchiveValidationError("\(place): unknown field 'as.\(key)'")
                    }
                }
            default:
                throw ArchiveValidationError("\(place): unknown field '\(name)'")
            }
        }
    }

    static func failure(_ value: JSONValue) throws(ArchiveValidationError) {
        guard case .object(let fields) = value, case .string(let error)? = fields["error"], fields.count == 1 else {
            throw ArchiveValidationError("failures value must be an object {\"error\": string}")
        }
        guard error.utf8.count <= maxErrorBytes else {
            throw ArchiveValidationError("failures 'error' is longer than \(maxErrorBytes) bytes")
        }
    }

    static func integer(
        _ value: JSONValue, _ range: ClosedRange<Int64>, _ what: String
    ) throws(ArchiveValidationError) {
        guard case .number(let v) = value.numberOnly, let whole = Int64(exactly: v), range.contains(whole)
        else { throw ArchiveValidationError("\(what) must be an integer in \(range.lowerBound)...\(range.upperBound)") }
    }

    static func string(_ value: JSONValue, maxBytes: Int, _ what: String) throws(ArchiveValidationError) {
        guard case .string(let text) = value else { throw ArchiveValidationError("\(what) must be a string") }
        guard text.utf8.count <= maxBytes else {
            throw ArchiveValidationError("\(what) is longer than \(maxBytes) bytes")
        }
    }
}

extension JSONValue {
    /// A JSON number as a double (integers included); strings and booleans are not numbers here.
    fileprivate var numberOnly: JSONValue? {
        switch self {
        case .integer(let v): return .number(Double(v))
        case .number: return self
        default: return nil
        }
    }
}
