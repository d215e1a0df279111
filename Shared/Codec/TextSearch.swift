extension StringProtocol {
    /// What follows the first occurrence of `text` (compared as UTF-8 bytes), or nil when there is
    /// none.
    ///
    /// ```swift
    /// "GPU[0] : Card series: Navi 21".after(first: "Card series:")   // " Navi 21"
    /// ```
    ///
    /// Fathom's one substring search: the standard library's `contains(_:)` and `firstRange(of:)`
    /// for strings live in `_StringProcessing`, which with `_RegexParser` adds over 1 MB of code
    /// and 50 KB of relocated data to the static agent, paid again at every start of a one-shot
    /// command.
    public func after(first text: some StringProtocol) -> SubSequence? {
        let needle = Array(text.utf8)
        let bytes = utf8
        var start = bytes.startIndex
        while true {
            if bytes[start...].starts(with: needle) { return self[bytes.index(start, offsetBy: needle.count)...] }
            if start == bytes.endIndex { return nil }
            bytes.formIndex(after: &start)
        }
    }

    /// Whether `text` occurs in this one (compared as UTF-8 bytes); see ``after(first:)``.
    public func includes(_ text: some StringProtocol) -> Bool {
        after(first: text) != nil
    }
}
