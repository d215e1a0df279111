import FathomAgent
import FathomShared

/// `fathom-agent interfaces`: one interface sample on stdout, one record line per interface (the
/// lines `POST /interfaces` carries), or a JSON array with `--json`.
struct InterfacesCommand: BlockingSubcommand {
    static let json = FlagOption("json", help: "Print a JSON array of objects instead of record lines.")
    static let include = ValueOption<String>(
        "include", help: "Sample only interfaces matching this glob (repeatable; default: all but lo and virtual ones)."
    )
    static let exclude = ValueOption<String>(
        "exclude", help: "Never sample interfaces matching this glob (repeatable; default: lo).")
    static let virtual = FlagOption("virtual", help: "Sample virtual devices (bridges, veths, tunnels) too.")

    static let name = "interfaces"
    static let spec = CommandSpec(
        name: name, abstract: "Print one sample of the network interfaces' counters to stdout.",
        options: [json.spec, include.spec, exclude.spec, virtual.spec])

    let json: Bool
    let include: [String]
    let exclude: [String]
    let virtual: Bool

    init(_ parsed: ParsedCommandLine) throws(CommandLineError) {
        json = parsed.flag(Self.json)
        include = try parsed.values(Self.include)
        exclude = try parsed.values(Self.exclude)
        virtual = parsed.flag(Self.virtual)
    }

    /// On the main thread: the sampler's reads block, and nothing else runs in this process.
    func run() throws {
        var options = InterfaceOptions()
        options.include = include
        if !exclude.isEmpty { options.exclude = exclude }
        options.includeVirtual = virtual
        let sampler = InterfaceSampler(
            sysfs: LinuxSysFS(), procfs: LinuxProcFS(), options: options, links: NetlinkLinkTable())
        let records = sampler.sample()
        if json {
            StandardStreams.write(JSONText.string(.array(records.map(\.json))) + "\n")
        } else {
            var out = ""
            for record in records { out += record.line + "\n" }
            StandardStreams.write(out)
        }
    }
}
