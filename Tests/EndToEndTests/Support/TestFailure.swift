/// A failed step of an end-to-end test (a tool that exited non-zero, an answer of the wrong shape),
/// thrown with what the operator would need to see.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
