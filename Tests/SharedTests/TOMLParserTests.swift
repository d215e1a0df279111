import FathomShared
import Testing

@Suite(.timeLimit(.minutes(2))) struct TOMLParserTests {
    @Test func keyValuesAndComments() throws {
        let table = try TOMLTable.parse(
            """
            # leading comment
            name = "fathom"   # trailing comment
            count = 42
            ratio = 0.5
            enabled = true
            disabled = false

            """)
        #expect(table["name"]?.string == "fathom")
        #expect(table["count"]?.int == 42)
        #expect(table["ratio"]?.double == 0.5)
        #expect(table["enabled"]?.bool == true)
        #expect(table["disabled"]?.bool == false)
        #expect(table.keys == ["name", "count", "ratio", "enabled", "disabled"])
    }

    @Test func emptyDocumentAndCRLF() throws {
        #expect(try TOMLTable.parse("").isEmpty)
        #expect(try TOMLTable.parse("\n\n# only a comment").isEmpty)
        let table = try TOMLTable.parse("a = 1\r\nb = \"x\"\r\n")
        #expect(table["a"]?.int == 1)
        #expect(table["b"]?.string == "x")
        #expect(try TOMLTable.parse("\u{FEFF}a = 1")["a"]?.int == 1)
    }

    @Test func quotedAndDottedKeys() throws {
        let table = try TOMLTable.parse(
            """
            "quoted key" = 1
            'literal.key' = 2
            site."google.com" = true
            a . b . c = 3
            "" = "empty"
            1234 = "digits"
            """)
        #expect(table["quoted key"]?.int == 1)
        #expect(table["literal.key"]?.int == 2)
        #expect(table["site"]?["google.com"]?.bool == true)
        #expect(table.value(at: ["a", "b", "c"])?.int == 3)
        #expect(table[""]?.string == "empty")
        #expect(table["1234"]?.string == "digits")
    }

    @Test func tablesAndSubtables() throws {
        let table = try TOMLTable.parse(
            """
            top = 0
            [agent]
            interval = 300
            [agent.gpu]
            enabled = true
            [receiver]
            url = "https://example.org"
            """)
        #expect(table["top"]?.int == 0)
        #expect(table["agent"]?["interval"]?.int == 300)
        #expect(table["agent"]?["gpu"]?["enabled"]?.bool == true)
        #expect(table["receiver"]?["url"]?.string == "https://example.org")
    }

    @Test func implicitParentMayBeDefinedLater() throws {
        let table = try TOMLTable.parse("[x.y.z]\na = 1\n[x]\nb = 2")
        #expect(table["x"]?["b"]?.int == 2)
        #expect(table["x"]?["y"]?["z"]?["a"]?.int == 1)
    }

    @Test func subtableUnderDottedTable() throws {
        let table = try TOMLTable.parse(
            """
            [fruit]
            apple.color = "red"
            apple.taste.sweet = true
            [fruit.apple.texture]
            smooth = true
            """)
        #expect(table.value(at: ["fruit", "apple", "color"])?.string == "red")
        #expect(table.value(at: ["fruit", "apple", "texture", "smooth"])?.bool == true)
    }

    @Test func arraysOfTables() throws {
        let table = try TOMLTable.parse(
            """
            [[tests.ping]]
            host = "a"
            [[tests.ping]]
            host = "b"
            [tests.ping.options]
            count = 3
            [[tests.trace]]
            """)
        let pings = try #require(table["tests"]?["ping"]?.array)
        #expect(pings.count == 2)
        #expect(pings[0]["host"]?.string == "a")
        #expect(pings[1]["host"]?.string == "b")
        #expect(pings[1]["options"]?["count"]?.int == 3)
        #expect(pings[0]["options"] == nil)
        #expect(table["tests"]?["trace"]?.array == [.table(TOMLTable())])
    }

    @Test func basicStringEscapes() throws {
        let table = try TOMLTable.parse(
            #"""
            s = "tab\tnew\nquote\"back\\slash\u00E9\U0001F600 \b\f\r"
            """#)
        #expect(table["s"]?.string == "tab\tnew\nquote\"back\\slash\u{E9}\u{1F600} \u{08}\u{0C}\r")
    }

    @Test func literalStrings() throws {
        let table = try TOMLTable.parse(#"path = 'C:\Users\nodejs\templates'"#)
        #expect(table["path"]?.string == #"C:\Users\nodejs\templates"#)
    }

    @Test func multilineBasicStrings() throws {
        let table = try TOMLTable.parse(
            "a = \"\"\"\nRoses are red\nViolets are blue\"\"\"\n"
                + "b = \"\"\"\\\n    The quick \\\n\n    brown fox.\\\n    \"\"\"\n"
                + "c = \"\"\"Here are two quotation marks: \"\". Simple.\"\"\"\n"
                + "d = \"\"\"\"This,\" she said, \"is just a pointless statement.\"\"\"\"\n")
        #expect(table["a"]?.string == "Roses are red\nViolets are blue")
        #expect(table["b"]?.string == "The quick brown fox.")
        #expect(table["c"]?.string == "Here are two quotation marks: \"\". Simple.")
        #expect(table["d"]?.string == "\"This,\" she said, \"is just a pointless statement.\"")
    }

    @Test func multilineLiteralStrings() throws {
        let table = try TOMLTable.parse(
            "re = '''I [dw]on't need \\d{2} apples'''\n"
                + "lines = '''\nThe first newline is\ntrimmed in raw strings.\n'''\n"
                + "quotes = ''''That,' she said, 'is still pointless.''''\n")
        #expect(table["re"]?.string == #"I [dw]on't need \d{2} apples"#)
        #expect(table["lines"]?.string == "The first newline is\ntrimmed in raw strings.\n")
        #expect(table["quotes"]?.string == "'That,' she said, 'is still pointless.'")
    }

    @Test func integers() throws {
        let table = try TOMLTable.parse(
            """
            a = +99
            b = -17
            c = 0
            d = 1_000_000
            e = 0xDEAD_beef
            f = 0o755
            g = 0b1101_0110
            max = 9_223_372_036_854_775_807
            min = -9223372036854775808
            """)
        #expect(table["a"]?.int64 == 99)
        #expect(table["b"]?.int64 == -17)
        #expect(table["c"]?.int64 == 0)
        #expect(table["d"]?.int64 == 1_000_000)
        #expect(table["e"]?.int64 == 0xDEAD_BEEF)
        #expect(table["f"]?.int64 == 0o755)
        #expect(table["g"]?.int64 == 0b1101_0110)
        #expect(table["max"]?.int64 == Int64.max)
        #expect(table["min"]?.int64 == Int64.min)
    }

    @Test func floats() throws {
        let table = try TOMLTable.parse(
            """
            a = +1.0
            b = 3.1415
            c = -0.01
            d = 5e+22
            e = 1e06
            f = -2E-2
            g = 6.626e-34
            h = 224_617.445_991_228
            i = inf
            j = -inf
            k = nan
            l = 0e0
            """)
        #expect(table["a"]?.double == 1.0)
        #expect(table["b"]?.double == 3.1415)
        #expect(table["c"]?.double == -0.01)
        #expect(table["d"]?.double == 5e22)
        #expect(table["e"]?.double == 1e6)
        #expect(table["f"]?.double == -0.02)
        #expect(table["g"]?.double == 6.626e-34)
        #expect(table["h"]?.double == 224_617.445_991_228)
        #expect(table["i"]?.double == .infinity)
        #expect(table["j"]?.double == -.infinity)
        #expect(table["k"]?.double?.isNaN == true)
        #expect(table["l"]?.double == 0)
        #expect(table["a"]?.int == nil)
    }

    @Test func datesAreKeptAsStrings() throws {
        let table = try TOMLTable.parse(
            """
            odt = 1979-05-27T07:32:00Z
            odt2 = 1979-05-27 00:32:00.999999-07:00
            ldt = 1979-05-27T07:32:00
            ld = 1979-05-27
            lt = 00:32:00.5
            """)
        #expect(table["odt"]?.string == "1979-05-27T07:32:00Z")
        #expect(table["odt2"]?.string == "1979-05-27 00:32:00.999999-07:00")
        #expect(table["ldt"]?.string == "1979-05-27T07:32:00")
        #expect(table["ld"]?.string == "1979-05-27")
        #expect(table["lt"]?.string == "00:32:00.5")
    }

    @Test func arrays() throws {
        let table = try TOMLTable.parse(
            """
            ints = [1, 2, 3]
            empty = []
            nested = [[1, 2], ["a", 'b']]
            mixed = [1, "two", 3.0]
            multi = [
              "x",  # a comment
              "y",

              "z", # trailing comma allowed
            ]
            """)
        #expect(table["ints"]?.array?.compactMap(\.int) == [1, 2, 3])
        #expect(table["empty"]?.array == [])
        #expect(table["nested"]?.array?[1].array == [.string("a"), .string("b")])
        #expect(table["mixed"]?.array == [.integer(1), .string("two"), .float(3)])
        #expect(table["multi"]?.array?.compactMap(\.string) == ["x", "y", "z"])
    }

    @Test func inlineTables() throws {
        let table = try TOMLTable.parse(
            """
            name = { first = "Tom", last = "Preston-Werner" }
            point = {x=1,y=2}
            animal = { type.name = "pug" }
            empty = {}
            list = [ { a = 1 }, { a = 2 } ]
            """)
        #expect(table["name"]?["first"]?.string == "Tom")
        #expect(table["point"]?["y"]?.int == 2)
        #expect(table["animal"]?["type"]?["name"]?.string == "pug")
        #expect(table["empty"]?.table?.isEmpty == true)
        #expect(table["list"]?.array?.compactMap { $0["a"]?.int } == [1, 2])
    }

    @Test func accessorsReturnNilForOtherTypes() throws {
        let table = try TOMLTable.parse("s = \"1\"\ni = 1")
        #expect(table["s"]?.int == nil)
        #expect(table["s"]?.bool == nil)
        #expect(table["s"]?.table == nil)
        #expect(table["s"]?.array == nil)
        #expect(table["i"]?.string == nil)
        #expect(table["i"]?.double == 1.0)
        #expect(table["i"]?.typeName == "integer")
        #expect(table["missing"] == nil)
        #expect(table["s"]?["x"] == nil)
    }
}
