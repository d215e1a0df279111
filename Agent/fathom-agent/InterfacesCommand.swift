import ArgumentParser
import FathomAgent
import FathomShared

/// `fathom-agent interfaces`: one interface sample on stdout, one record line per interface (the
/// lines `POST /interfaces` carries), or a JSON array with `--json`.
struct InterfacesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interfaces", abstract: "Print one sample of the network interfaces' counters to stdout.")

    @Flag(help: "Print a JSON array of objects instead of record lines.") var json = false
    @Option(help: "Sample only interfaces matching this glob (repeatable; default: all but lo and virtual ones).")
    var include: [String] = []
    @Option(help: "Never sample interfaces matching this glob (repeatable; default: lo).") var exclude: [String] = []
    @Flag(help: "Sample virtual devices (bridges, veths, tunnels) too.") var virtual = false

    func run() async throws {
        var options = InterfaceOptions()
        options.include = include
        if !exclude.isEmpty { options.exclude = exclude }
        options.includeVirtual = virtual
        let sampler = InterfaceSampler(
            sysfs: LinuxSysFS(), procfs: LinuxProcFS(), options: options, links: NetlinkLinkTable())
        let records = await BlockingWork.run { sampler.sample() }
        if json {
            print(JSONText.string(.array(records.map(\.json))))
        } else {
            var out = ""
            for record in records { out += record.line + "\n" }
            print(out, terminator: "")
        }
    }
}
