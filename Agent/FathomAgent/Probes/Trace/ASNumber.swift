import FathomShared

/// A hop's origin autonomous system, shaped like pScheduler's `AS` object
/// (`{"number": 15169, "owner": "GOOGLE - Google LLC, US"}`; `owner` only when known).
///
/// ```swift
/// let origin = ASNumber(number: 293, owner: "ESNET - ESnet, US")
/// ```
public struct ASNumber: Sendable, Equatable {
    public var number: Int
    public var owner: String?

    public init(number: Int, owner: String? = nil) {
        self.number = number
        self.owner = owner
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["number": .integer(Int64(number))]
        if let owner { members["owner"] = .string(owner) }
        return .object(members)
    }

    public init(json: JSONValue) throws(JSONFields.Mismatch) {
        let fields = try JSONFields(json, what: "hop as")
        number = try fields.integer("number")
        owner = try fields.optionalString("owner")
    }
}
