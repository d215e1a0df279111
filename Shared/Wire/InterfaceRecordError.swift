/// Why an interface record line was refused; the message names the field.
public struct InterfaceRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
