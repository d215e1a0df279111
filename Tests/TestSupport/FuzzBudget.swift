import Foundation

/// The seed and iteration count of the seeded fuzz tests: fixed by default so CI runs the same
/// inputs every time, overridden with `FATHOM_FUZZ_SEED` (decimal or 0x-hex) and
/// `FATHOM_FUZZ_ITERATIONS` for a longer hunt or to replay a failure.
///
/// ```swift
/// let budget = FuzzBudget(target: "free-CSV", defaultIterations: 3_000)
/// for i in 0..<budget.iterations { ... budget.context(i) ... }
/// ```
public struct FuzzBudget: Sendable {
    public static let defaultSeed: UInt64 = 0x0F47_0A5E_ED09
    public let target: String
    public let seed: UInt64
    public let iterations: Int

    public init(target: String, defaultIterations: Int) {
        let environment = ProcessInfo.processInfo.environment
        self.target = target
        seed =
            environment["FATHOM_FUZZ_SEED"].flatMap { text in
                text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
            } ?? Self.defaultSeed
        iterations = environment["FATHOM_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? defaultIterations
        // Printed first, so a crash (which ends the process before any expectation is reported)
        // still leaves the seed in the log.
        print("fuzz \(target): seed 0x\(String(seed, radix: 16)), \(iterations) iterations")
    }

    /// What a failure message must carry to replay the case.
    public func context(_ iteration: Int, _ input: [UInt8]) -> String {
        let shown = input.prefix(300).map { b in
            b >= 0x20 && b < 0x7F && b != UInt8(ascii: "\\") ? String(UnicodeScalar(b)) : "\\x" + String(b, radix: 16)
        }.joined()
        return "fuzz \(target): FATHOM_FUZZ_SEED=0x\(String(seed, radix: 16)) iteration \(iteration), "
            + "\(input.count) bytes: \(shown)"
    }
}
