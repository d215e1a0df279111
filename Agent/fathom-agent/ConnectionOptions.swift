import FathomAgent
import FathomShared
import Logging

/// Flags shared by `run` and `once`; each overrides the same key of the TOML config.
struct ConnectionOptions {
    static let config = ValueOption<String>("config", help: "TOML config file.")
    static let receiver = ValueOption<String>(
        "receiver",
        help:
            "Receiver base URL, e.g. https://receiver:8443; repeat it or separate URLs by commas to fail over between them."
    )
    static let cluster = ValueOption<String>("cluster", help: "Cluster name the samples belong to.")
    static let user = ValueOption<String>("user", help: "Upload user (default: the cluster name).")
    static let passwordFile = ValueOption<String>("password-file", help: "File holding the upload password.")
    static let caFile = ValueOption<String>(
        "ca-file", help: "PEM file of the CA that signed the receiver's certificate.")
    static let spoolDir = ValueOption<String>("spool-dir", help: "Durable spool directory.")
    static let interval = ValueOption<Int>("interval", help: "Sampling interval in seconds.")
    static let sendWindow = ValueOption<Double>("send-window", help: "Random send window in seconds.")

    static let declarations: [OptionSpec] =
        [
            config.spec, receiver.spec, cluster.spec, user.spec, passwordFile.spec, caFile.spec, spoolDir.spec,
            interval.spec, sendWindow.spec,
        ]
        + SampleFilterOptions.declarations

    let config: String?
    let receiver: [String]
    let cluster: String?
    let user: String?
    let passwordFile: String?
    let caFile: String?
    let spoolDir: String?
    let interval: Int?
    let sendWindow: Double?
    let filters: SampleFilterOptions

    init(_ parsed: ParsedCommandLine) throws(CommandLineError) {
        config = try parsed.value(Self.config)
        receiver = try parsed.values(Self.receiver)
        cluster = try parsed.value(Self.cluster)
        user = try parsed.value(Self.user)
        passwordFile = try parsed.value(Self.passwordFile)
        caFile = try parsed.value(Self.caFile)
        spoolDir = try parsed.value(Self.spoolDir)
        interval = try parsed.value(Self.interval)
        sendWindow = try parsed.value(Self.sendWindow)
        filters = try SampleFilterOptions(parsed)
    }

    func settings() throws -> AgentSettings {
        var s = AgentSettings()
        if let config { s = try AgentSettingsFile.load(path: config) }
        if !receiver.isEmpty {
            let urls = receiver.flatMap { $0.split(separator: ",").map { String($0).trimmingWhitespace() } }
            do { s.receiverURLs = try UploadURLList.validate(urls, key: "--receiver") } catch {
                throw CommandLineError("\(error)")
            }
        }
        if let cluster { s.cluster = cluster }
        if let user { s.user = user }
        if let passwordFile { s.passwordFile = passwordFile }
        if let caFile { s.caFile = caFile }
        if let spoolDir { s.spoolDirectory = spoolDir }
        if let interval {
            guard interval > 0 else { throw CommandLineError("--interval must be positive") }
            s.intervalSeconds = interval
        }
        if let sendWindow {
            guard sendWindow >= 0 else { throw CommandLineError("--send-window must not be negative") }
            s.sendWindowSeconds = sendWindow
        }
        filters.apply(to: &s.sample)
        do { try s.sample.validate() } catch { throw CommandLineError("\(error)") }
        return s
    }
}

/// The wired-up parts of a running agent.
struct AgentParts {
    let daemon: AgentDaemon
    /// The one HTTPS client both uploaders share; shut down once, in ``shutdown()``.
    let http: AgentHTTPClient

    /// `serving`: start the scheduler and responder (the daemon); `once` only delivers. `tls`: where
    /// the HTTPS client runs TLS (the daemon: in relays, never loading OpenSSL itself).
    init(
        settings: AgentSettings, logger: Logger, serving: Bool = false, liveness: Liveness = Liveness(),
        tls: TLSPlacement = .inProcess
    ) throws {
        let endpoints = try settings.endpoints()
        let http = try settings.httpClient(tls: tls)
        self.http = http
        do {
            daemon = try Self.daemon(
                settings: settings, endpoints: endpoints, http: http, logger: logger, serving: serving,
                liveness: liveness)
        } catch {
            try? http.syncShutdown()
            throw error
        }
    }

    private static func daemon(
        settings: AgentSettings, endpoints: [ReceiverEndpoint], http: AgentHTTPClient, logger: Logger, serving: Bool,
        liveness: Liveness
    ) throws -> AgentDaemon {
        let procfs = LinuxProcFS()
        let gpu = GPUDetection.probes(procfs: procfs, runner: SpawnCommandRunner())
        let spool = try SpoolDirectory(
            path: settings.spoolDirectory, maxBytes: settings.spoolMaxMB << 20, logger: logger)
        // Shuffled once per agent, so the agents of a fleet spread over the receivers.
        let receivers = FailoverOrder(shuffling: try endpoints.map { try ReceiverClient(endpoint: $0, http: http) })
        let archiveClients = try settings.archiveClients(http: http)
        let archives = archiveClients.isEmpty ? nil : FailoverOrder(shuffling: archiveClients)
        let lane = ExclusiveLane()
        var responder: ResponderService?
        if serving && settings.responderEnabled {
            do {
                responder = try ResponderService(port: UInt16(settings.responderPort), lane: lane, logger: logger)
            } catch {
                throw ConfigError("responder cannot listen on port \(settings.responderPort): \(error)")
            }
        }
        let metrics = AgentMetrics()
        var delivery = SpoolDelivery(
            spool: spool, receivers: receivers, archives: archives, logger: logger, liveness: liveness)
        delivery.metrics = metrics
        return AgentDaemon(
            settings: settings,
            sampler: try ProcessSampler(procfs: procfs, gpu: gpu, options: settings.sample),
            sysinfo: SysinfoCollector(procfs: procfs, gpu: gpu),
            spool: spool,
            delivery: delivery,
            scheduler: serving ? MeasurementScheduler(tests: settings.tests, lane: lane, logger: logger) : nil,
            responder: responder,
            logger: logger,
            liveness: liveness,
            metrics: metrics,
            interfaceSampler: settings.interfaces.map {
                InterfaceSampler(sysfs: LinuxSysFS(), procfs: procfs, options: $0, links: NetlinkLinkTable())
            })
    }

    func shutdown() async throws {
        try await http.shutdown()
    }
}
