import FathomShared
import Testing

/// Every rejection must say where and why, since operators fix configs from these messages alone.
@Suite(.timeLimit(.minutes(2))) struct TOMLParserErrorTests {
    private func failure(_ text: String) -> TOMLError? {
        do {
            _ = try TOMLTable.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func missingEqualsNamesTheKeyAndLine() {
        let error = failure("[agent]\n# comment\n\n\n\n\ninterval 300\n")
        #expect(error?.line == 7)
        #expect(error?.description == "line 7: expected '=' after key 'interval', found '3'")
    }

    @Test(arguments: [
        ("a = 1\na = 2", 2, "duplicate key 'a'"),
        ("a.b = 1\na.b = 2", 2, "duplicate key 'a.b'"),
        ("a = 1\na.b = 2", 2, "key 'a' already holds an integer, not a table"),
        ("[a]\nx=1\n[a]", 3, "table [a] is defined more than once"),
        ("[a]\nb.c = 1\n[a.b]", 3, "table [a.b] was already defined by dotted keys"),
        ("[a.b]\nc=1\n[a]\nb.d = 2", 4, "cannot add keys to table [a.b] with dotted keys after it was defined"),
        ("a = {x = 1}\n[a]", 2, "inline table 'a' cannot be extended"),
        ("a = {x = 1}\na.y = 2", 2, "inline table 'a' cannot be extended"),
        ("a = {x = 1}\n[a.b]", 2, "inline table 'a' cannot be extended"),
        ("a = [1]\n[[a]]", 2, "cannot append to static array 'a' with [[a]]"),
        ("[a]\n[[a]]", 2, "array of tables [[a]] conflicts with table [a]"),
        ("[[a]]\n[a]", 2, "table [a] conflicts with array of tables [[a]]"),
        ("p = {x = 1, x = 2}", 1, "duplicate key 'x'"),
        ("\"a\" = 1\na = 2", 2, "duplicate key 'a'"),
        ("s = \"x\"\n[s.t]", 2, "key 's' already holds a string, not a table"),
    ])
    func redefinitionsAreRejected(text: String, line: Int, message: String) {
        let error = failure(text)
        #expect(error == TOMLError(line: line, message: message))
    }

    @Test(arguments: [
        ("a = \"unterminated", 1, "unterminated string"),
        ("a = \"two\nlines\"", 1, "unterminated string: line break before the closing quote"),
        ("a = 'x\ny'", 1, "unterminated string: line break before the closing quote"),
        ("a = \"\"\"open", 1, "unterminated string"),
        ("a = \"bad \\q escape\"", 1, "invalid escape sequence '\\q' in string"),
        ("a = \"\\u12\"", 1, "expected 4 hex digits in unicode escape"),
        ("a = \"\\uD800\"", 1, "escape '\\uD800' is not a valid unicode scalar"),
        ("a = \"\u{01}\"", 1, "control character U+0001 must be escaped in a string"),
        ("a = \"\"\"x\"\"\"\"\"\"", 1, "too many quotes at the end of a multi-line string"),
    ])
    func badStrings(text: String, line: Int, message: String) {
        #expect(failure(text) == TOMLError(line: line, message: message))
    }

    @Test(arguments: [
        ("a = 01", "leading zeros are not allowed in '01' for key 'a'"),
        ("a = 1__0", "invalid number '1__0' for key 'a'"),
        ("a = _1", "expected a value for key 'a', found '_1' (strings must be quoted)"),
        ("a = 1_", "invalid number '1_' for key 'a'"),
        ("a = 1.", "invalid number '1.' for key 'a'"),
        ("a = .5", "expected a value for key 'a', found '.'"),
        ("a = 1.5e", "invalid number '1.5e' for key 'a'"),
        ("a = +0x10", "invalid number '+0x10' for key 'a'"),
        ("a = 0xG", "invalid number '0xG' for key 'a'"),
        ("a = 0b102", "invalid number '0b102' for key 'a'"),
        ("a = 9223372036854775808", "integer '9223372036854775808' does not fit in 64 bits, for key 'a'"),
        ("a = 0x8000000000000000", "integer '0x8000000000000000' does not fit in 64 bits, for key 'a'"),
        ("a = 00.5", "leading zeros are not allowed in '00.5' for key 'a'"),
    ])
    func badNumbers(text: String, message: String) {
        #expect(failure(text) == TOMLError(line: 1, message: message))
    }

    @Test(arguments: [
        ("a = yes", "expected a value for key 'a', found 'yes' (strings must be quoted)"),
        ("a = tru", "expected a value for key 'a', found 'tru' (strings must be quoted)"),
        ("a = trueish", "expected a value for key 'a', found 'trueish' (strings must be quoted)"),
        ("a =", "expected a value for key 'a', found end of file"),
        ("a = \n", "expected a value for key 'a', found end of line"),
        ("a = 1 2", "expected end of line after value of 'a', found '2'"),
        ("= 1", "expected a key, found '='"),
        ("a. = 1", "expected a key after 'a.', found '='"),
        ("[a", "expected ']' to close [a], found end of file"),
        ("[[a]", "expected ']]' to close [[a]], found end of file"),
        ("[a] x", "expected end of line after [a], found 'x'"),
        ("[]", "expected a key, found ']'"),
        ("a = [1 2]", "expected ',' or ']' after array element, found '2'"),
        ("a = [,]", "expected a value for array element, found ','"),
        ("a = [1,,]", "expected a value for array element, found ','"),
        ("a = {x = 1,}", "trailing comma is not allowed in an inline table"),
        ("a = {x = 1 y = 2}", "expected ',' or '}' in inline table, found 'y'"),
        ("a = {x = 1\n}", "inline table must be on a single line; use a [table] section for longer tables"),
        ("a = 1979-13-01", "invalid date: month or day out of range"),
        ("a = 1979-02-30", "invalid date: month or day out of range"),
        ("a = 1979-05-27T25:00:00", "invalid time: hour, minute or second out of range"),
        ("a = 1979-05-27T07:32", "invalid time: expected HH:MM:SS"),
        ("a = 1 # bell \u{07}", "control character U+0007 is not allowed in a comment"),
        ("a = 1\r", "carriage return must be followed by a newline"),
        ("\"\"\"a\"\"\" = 1", "multi-line strings cannot be used as keys"),
    ])
    func badSyntax(text: String, message: String) {
        #expect(failure(text) == TOMLError(line: 1, message: message))
    }

    @Test func errorLineCountsMultilineStrings() {
        let error = failure("a = \"\"\"\none\ntwo\n\"\"\"\nb = 1\nb = 2\n")
        #expect(error == TOMLError(line: 6, message: "duplicate key 'b'"))
    }

    @Test func deepNestingIsRefusedNotCrashed() {
        let text = "a = " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(failure(text)?.message == "arrays and inline tables nested more than 100 deep")
    }

    @Test func keysInSectionsAreNamedInFull() {
        #expect(
            failure("[agent]\ninterval = 1\ninterval = 2")
                == TOMLError(line: 3, message: "duplicate key 'agent.interval'"))
        #expect(
            failure("[agent]\ninterval = 1 x")?.message
                == "expected end of line after value of 'agent.interval', found 'x'")
    }

    @Test func quotedKeysAppearQuotedInMessages() {
        #expect(failure("\"my key\" 1")?.message == "expected '=' after key '\"my key\"', found '1'")
    }
}
