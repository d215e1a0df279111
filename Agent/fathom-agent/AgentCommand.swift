import ArgumentParser
import FathomShared

/// `fathom-agent`: samples this node like sonar and delivers the samples to a Fathom receiver.
@main
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fathom-agent",
        abstract: "Samples jobs and processes from /proc and delivers them durably to a Fathom receiver.",
        version: FathomVersion.string,
        subcommands: [
            SampleCommand.self, SysinfoCommand.self, InterfacesCommand.self, RunCommand.self, OnceCommand.self,
            TraceCommand.self,
            RTTCommand.self, ThroughputCommand.self, ResponderCommand.self,
        ]
    )
}
