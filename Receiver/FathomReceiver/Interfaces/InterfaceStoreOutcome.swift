/// What storing an interface upload did.
public enum InterfaceStoreOutcome: Sendable, Equatable {
    /// The upload's samples, rates and life-cycle changes were committed in one transaction.
    case stored
    /// Its batch id was committed before: acknowledged again, nothing written.
    case duplicate
}
