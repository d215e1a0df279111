/// Turns valid inputs into the kinds of broken ones a fuzzer finds: bit flips, special bytes,
/// truncation, splices of other inputs, duplicated and deleted ranges, random bytes, huge numbers
/// and deep nesting. Seeded, so a failing case is reproduced from the seed and iteration alone.
///
/// ```swift
/// var mutator = InputMutator(seed: 7, corpus: [Array("{\"a\":1}".utf8)])
/// let input = mutator.next()   // a mutation of a corpus entry
/// ```
public struct InputMutator: Sendable {
    public var rng: SplitMix64
    public let corpus: [[UInt8]]
    /// Bytes that mean something to the formats under test (separators, quotes, nesting, line ends).
    public var specialBytes: [UInt8] = Array("\n\r\0\",=:{}[]\\ \t.-+eE/".utf8) + [0x80, 0xC3, 0xED, 0xFF]
    /// Texts spliced in place of a digit run.
    public var hugeNumbers: [String] = [
        "99999999999999999999999999", "1e309", "-1e309", "1e-400", "-0", "9223372036854775808", "0.0000000001e-320",
        "NaN", "Infinity", "1" + String(repeating: "0", count: 400),
    ]

    public init(seed: UInt64, corpus: [[UInt8]]) {
        precondition(!corpus.isEmpty)
        rng = SplitMix64(state: seed)
        self.corpus = corpus
    }

    /// A corpus entry with one mutation applied (half the time) or two to four: most single
    /// mutations still get past the first checks, stacked ones reach odder states.
    public mutating func next() -> [UInt8] {
        var bytes = corpus.randomElement(using: &rng)!
        let count = Bool.random(using: &rng) ? 1 : Int.random(in: 2...4, using: &rng)
        for _ in 0..<count { mutate(&bytes) }
        return bytes
    }

    public mutating func mutate(_ bytes: inout [UInt8]) {
        let choice = Int.random(in: 0..<10, using: &rng)
        if bytes.isEmpty && choice < 7 {
            bytes = randomBytes(maxCount: 64)
            return
        }
        switch choice {
        case 0:  // flip one to eight bits
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                bytes[position(in: bytes)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            }
        case 1:  // set a byte to one with meaning
            bytes[position(in: bytes)] = specialBytes.randomElement(using: &rng)!
        case 2:  // truncate
            bytes.removeSubrange(Int.random(in: 0..<bytes.count, using: &rng)...)
        case 3:  // duplicate a range in place
            let range = randomRange(in: bytes)
            bytes.insert(contentsOf: bytes[range], at: range.upperBound)
        case 4:  // delete a range
            bytes.removeSubrange(randomRange(in: bytes))
        case 5:  // insert random bytes
            bytes.insert(contentsOf: randomBytes(maxCount: 16), at: Int.random(in: 0...bytes.count, using: &rng))
        case 6:  // replace a digit run (or any byte) with a huge or odd number
            let at = bytes.firstIndex { $0 >= 0x30 && $0 <= 0x39 } ?? position(in: bytes)
            var end = at
            while end < bytes.count, bytes[end] >= 0x30 && bytes[end] <= 0x39 { end += 1 }
            bytes.replaceSubrange(at..<max(end, at + 1), with: Array(hugeNumbers.randomElement(using: &rng)!.utf8))
        case 7:  // splice a slice of another entry
            let other = corpus.randomElement(using: &rng)!
            guard !other.isEmpty else { return }
            let slice = other[randomRange(in: other)]
            bytes.insert(contentsOf: slice, at: Int.random(in: 0...bytes.count, using: &rng))
        case 8:  // deep nesting
            let deep = Bool.random(using: &rng)
            let depth = deep ? Int.random(in: 300...5_000, using: &rng) : Int.random(in: 1...300, using: &rng)
            let open = Array((Bool.random(using: &rng) ? "[" : "{\"k\":").utf8)
            let close = Array((open.count == 1 ? "]" : "}").utf8)
            let at = Int.random(in: 0...bytes.count, using: &rng)
            var nested = [UInt8]()
            for _ in 0..<depth { nested += open }
            nested += bytes[at...]
            if Bool.random(using: &rng) { for _ in 0..<depth { nested += close } }
            bytes.replaceSubrange(at..., with: nested)
        default:  // all random
            bytes = randomBytes(maxCount: 256)
        }
    }

    private mutating func position(in bytes: [UInt8]) -> Int { Int.random(in: 0..<bytes.count, using: &rng) }

    private mutating func randomRange(in bytes: [UInt8]) -> Range<Int> {
        let start = Int.random(in: 0..<bytes.count, using: &rng)
        return start..<Int.random(in: start...min(bytes.count, start + 64), using: &rng)
    }

    private mutating func randomBytes(maxCount: Int) -> [UInt8] {
        (0..<Int.random(in: 0...maxCount, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }
}
