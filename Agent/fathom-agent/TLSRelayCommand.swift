import FathomAgent

/// `fathom-agent tls-relay`: internal, started by `run` for each HTTPS connection (``TLSRelay``):
/// TLS to the server on one side, plain bytes to the daemon on its stdin, a socket, on the other.
/// Not in the help; its options are the ones ``TLSRelay`` writes.
struct TLSRelayCommand: BlockingSubcommand {
    static let host = ValueOption<String>("host", help: "Server host name or address.")
    static let port = ValueOption<Int>("port", help: "Server port.")
    static let ipAddress = FlagOption("ip-address", help: "The host is a numeric address (no SNI).")
    static let caFile = ValueOption<String>("ca-file", help: "PEM file of the CA to trust (default: the system's).")
    static let clientCert = ValueOption<String>("client-cert", help: "PEM client certificate chain.")
    static let clientKey = ValueOption<String>("client-key", help: "PEM client key.")
    static let waitMs = DefaultedOption("wait-ms", default: 10_000, help: "Bound on each connect/handshake wait.")
    static let withinMs = DefaultedOption("within-ms", default: 10_000, help: "Bound on connect and handshake.")
    static let idleMs = DefaultedOption("idle-ms", default: 125_000, help: "End after this long with no traffic.")

    static let name = "tls-relay"
    static let spec = CommandSpec(
        name: name, abstract: "Internal: carries one HTTPS connection of `run` over stdin.",
        options: [
            host.spec, port.spec, ipAddress.spec, caFile.spec, clientCert.spec, clientKey.spec, waitMs.spec,
            withinMs.spec, idleMs.spec,
        ])

    let relay: TLSRelay

    init(_ parsed: ParsedCommandLine) throws(CommandLineError) {
        guard let host = try parsed.value(Self.host) else { throw CommandLineError("--host is required") }
        guard let port = try parsed.value(Self.port), (1...65535).contains(port) else {
            throw CommandLineError("--port must be within 1...65535")
        }
        relay = TLSRelay(
            host: host, port: UInt16(port), hostIsIPAddress: parsed.flag(Self.ipAddress),
            caFile: try parsed.value(Self.caFile), clientCertificateChain: try parsed.value(Self.clientCert),
            clientKey: try parsed.value(Self.clientKey), perWait: .milliseconds(try parsed.value(Self.waitMs)),
            within: .milliseconds(try parsed.value(Self.withinMs)),
            idleLimit: .milliseconds(try parsed.value(Self.idleMs)))
    }

    func run() throws {
        relay.serve(descriptor: 0)
    }
}
