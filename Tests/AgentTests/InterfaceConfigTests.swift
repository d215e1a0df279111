import FathomAgent
import FathomShared
import Testing

@Suite("Interfaces: [interfaces] config", .timeLimit(.minutes(1)))
struct InterfaceConfigTests {
    @Test("absent section samples no interfaces; present, its keys are read over the defaults")
    func section() throws {
        #expect(try AgentSettingsFile.parse("", fileName: "agent.toml").interfaces == nil)
        let empty = try #require(try AgentSettingsFile.parse("[interfaces]\n", fileName: "agent.toml").interfaces)
        #expect(empty == InterfaceOptions())
        #expect(empty.intervalSeconds == 30 && empty.exclude == ["lo"] && !empty.includeVirtual)
        let text = """
            [interfaces]
            interval = 60
            include = ["eth*", "ib*"]
            exclude = []
            virtual = true
            """
        let options = try #require(try AgentSettingsFile.parse(text, fileName: "agent.toml").interfaces)
        #expect(options.intervalSeconds == 60 && options.include == ["eth*", "ib*"])
        #expect(options.exclude.isEmpty && options.includeVirtual)
    }

    @Test(
        "bad keys and values name themselves",
        arguments: [
            ("[interfaces]\ninterval = 0\n", "interfaces.interval"),
            ("[interfaces]\ninclude = \"eth*\"\n", "include"),
            ("[interfaces]\nspeed = 1\n", "speed"),
        ])
    func refusals(text: String, expected: String) {
        #expect {
            _ = try AgentSettingsFile.parse(text, fileName: "agent.toml")
        } throws: { error in
            "\(error)".contains(expected)
        }
    }
}
