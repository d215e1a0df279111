import FathomShared

/// Everything `fathom-agent run`/`once` needs, from the TOML file and flags.
public struct AgentSettings: Sendable, Equatable {
    /// Receiver base URLs (`receiver.url`, a string or a list); uploads fail over between them
    /// (``FailoverOrder``). Empty until configured.
    public var receiverURLs: [String] = []
    public var cluster: String?
    /// Upload user; defaults to the cluster name (one credential per cluster).
    public var user: String?
    public var passwordFile: String?
    public var caFile: String?
    /// PEM certificate (chain) and key the agent shows a receiver that asks for a client certificate.
    public var clientCertificateFile: String?
    public var clientKeyFile: String?
    public var insecureHTTP = false
    /// Each batch waits a uniform random delay in [0, sendWindow) before it is sent.
    public var sendWindowSeconds: Double = 0
    public var spoolDirectory = "/var/lib/fathom/spool"
    public var spoolMaxMB: Int = 256
    /// Sampling cadence; samples are aligned to wall-clock multiples of it.
    public var intervalSeconds: Int = 300
    /// How often sysinfo is sent (also once at start).
    public var sysinfoIntervalSeconds: Int = 86_400
    public var sample = SampleOptions()
    /// The esmond archives measurement records go to (`archive.url`, a string or a list); empty
    /// means the receivers'.
    public var archiveURLs: [String] = []
    /// File holding the agent's archive API token (`Authorization: Token …`).
    public var archiveTokenFile: String?
    /// Serve iperf3-compatible throughput tests to peers while the daemon runs.
    public var responderEnabled = false
    public var responderPort = 5201
    /// Scheduled network tests (`[[test]]`).
    public var tests: [MeasurementTest] = []
    /// node_exporter textfile-collector file the agent writes its metrics to (`[metrics] textfile`); nil writes none.
    public var metricsTextfile: String?
    /// Interface counters (`[interfaces]`); nil samples none.
    public var interfaces: InterfaceOptions?

    public init() {}

    /// The agent's one HTTPS client, trusting `caFile` when set, with the client certificate when set;
    /// TLS where `tls` says (the daemon's in relays, so it never loads OpenSSL).
    public func httpClient(tls placement: TLSPlacement = .inProcess) throws -> AgentHTTPClient {
        if clientKeyFile != nil && clientCertificateFile == nil {
            throw ConfigError("receiver.client_key is set without receiver.client_certificate")
        }
        do {
            return try AgentHTTPClient(
                caFile: caFile, clientCertificate: clientCertificateFile, clientKey: clientKeyFile, tls: placement)
        } catch {
            throw ConfigError("\(error)")
        }
    }

    /// The archive clients for measurement records, one per archive URL, on the agent's one HTTPS
    /// client; empty when no test is configured.
    public func archiveClients(http: AgentHTTPClient) throws -> [EsmondArchiveClient] {
        guard !tests.isEmpty || archiveTokenFile != nil else { return [] }
        let urls = archiveURLs.isEmpty ? receiverURLs : archiveURLs
        guard !urls.isEmpty else { throw ConfigError("no archive URL (archive.url or receiver.url)") }
        guard let archiveTokenFile else { throw ConfigError("tests are configured but archive.token_file is not set") }
        let token = try Self.readSecret(archiveTokenFile, what: "archive token file").trimmingWhitespace()
        let key = archiveURLs.isEmpty ? "receiver.url" : "archive.url"
        var clients: [EsmondArchiveClient] = []
        for (index, url) in urls.enumerated() {
            do {
                clients.append(
                    try EsmondArchiveClient(baseURL: url, token: token, http: http, insecureHTTP: insecureHTTP))
            } catch {
                throw UploadURLList.entryError(key: key, index: index, count: urls.count, error)
            }
        }
        return clients
    }

    /// One endpoint per receiver URL, all with the same cluster and credentials.
    public func endpoints() throws -> [ReceiverEndpoint] {
        guard !receiverURLs.isEmpty else { throw ConfigError("no receiver URL (receiver.url or --receiver)") }
        guard let cluster else { throw ConfigError("no cluster name (receiver.cluster or --cluster)") }
        guard let passwordFile else {
            throw ConfigError("no password file (receiver.password_file or --password-file)")
        }
        let text = try Self.readSecret(passwordFile, what: "password file")
        // The file holds either a bare password or a `user:password` pair like exfiltrate's.
        var user = self.user ?? cluster
        var password = text.trimmingWhitespace()
        if self.user == nil, let pair = ClientCredential.parse(text), !text.includes("$2") {
            user = pair.user
            password = pair.password
        }
        var endpoints: [ReceiverEndpoint] = []
        for (index, url) in receiverURLs.enumerated() {
            let endpoint = ReceiverEndpoint(
                baseURL: url, cluster: cluster, user: user, password: password, insecureHTTP: insecureHTTP)
            if let problem = endpoint.validationError() {
                throw UploadURLList.entryError(
                    key: "receiver.url", index: index, count: receiverURLs.count, ConfigError(problem))
            }
            endpoints.append(endpoint)
        }
        return endpoints
    }

    /// The whole text of a password or token file; a missing or unreadable file is a `ConfigError`
    /// that names it.
    static func readSecret(_ path: String, what: String) throws(ConfigError) -> String {
        let text: String?
        do { text = try PosixFile.readText(path) } catch { throw ConfigError("cannot read \(what) \(path): \(error)") }
        guard let text else { throw ConfigError("\(what) \(path) does not exist") }
        return text
    }
}

/// Loads `AgentSettings` from TOML:
///
/// ```toml
/// [receiver]
/// url = "https://receiver.example:8443"   # or a list: ["https://r1:8443", "https://r2:8443"]
/// cluster = "fox.example.org"
/// password_file = "/etc/fathom/agent-password"
/// ca_file = "/etc/fathom/ca.pem"
/// client_certificate = "/etc/fathom/agent.pem"   # optional, with client_key
/// client_key = "/etc/fathom/agent.key"
/// send_window = 280
///
/// [spool]
/// dir = "/var/lib/fathom/spool"
/// max_mb = 256
///
/// [sample]
/// interval = 300
/// rollup = true
/// min_cpu_time = 60
/// exclude_system_jobs = true
/// exclude_commands = ["bash", "ssh", "zsh", "tmux", "systemd"]
///
/// [interfaces]               # counters of /sys/class/net/<if>; absent: none
/// interval = 30
/// include = ["eth*", "en*"]    # default: all but lo and virtual devices
///
/// [archive]                    # where scheduled tests' results go (esmond API)
/// url = ["https://r1:8443", "https://r2:8443"]   # optional; default: the receiver URLs
/// token_file = "/etc/fathom/archive-token"
///
/// [responder]                  # answer iperf3 clients (throughput tests from peers)
/// enabled = true
/// port = 5201
///
/// [[test]]                     # see MeasurementTestConfig
/// name = "trace-ps2"
/// type = "trace"
/// dest = "ps2.example.net"
/// repeat = "PT1H"
/// slip = "PT30M"
/// ```
public enum AgentSettingsFile {
    public static func load(path: String) throws -> AgentSettings {
        guard let text = try PosixFile.readText(path) else { throw ConfigError("\(path): no such file") }
        return try parse(text, fileName: path)
    }

    public static func parse(_ text: String, fileName: String) throws(ConfigError) -> AgentSettings {
        let root = try ConfigSection.parse(text, fileName: fileName)
        try root.rejectUnknownKeys(allowed: [
            "receiver", "spool", "sample", "sysinfo", "archive", "responder", "test", "metrics", "interfaces",
        ])
        var s = AgentSettings()
        if let r = try root.section("receiver") {
            try r.rejectUnknownKeys(allowed: [
                "url", "cluster", "user", "password_file", "ca_file", "client_certificate", "client_key",
                "insecure_http", "send_window",
            ])
            s.receiverURLs = try UploadURLList.parse(r, key: "url") ?? []
            s.cluster = try r.string("cluster")
            s.user = try r.string("user")
            s.passwordFile = try r.string("password_file")
            s.caFile = try r.string("ca_file")
            s.clientCertificateFile = try r.string("client_certificate")
            s.clientKeyFile = try r.string("client_key")
            s.insecureHTTP = try r.bool("insecure_http") ?? false
            if let w = try r.double("send_window") {
                guard w >= 0 else { throw ConfigError("config key 'receiver.send_window' must not be negative") }
                s.sendWindowSeconds = w
            }
        }
        if let sp = try root.section("spool") {
            try sp.rejectUnknownKeys(allowed: ["dir", "max_mb"])
            if let d = try sp.string("dir") { s.spoolDirectory = d }
            if let m = try sp.int("max_mb") {
                guard m > 0 else { throw ConfigError("config key 'spool.max_mb' must be positive") }
                s.spoolMaxMB = m
            }
        }
        if let sa = try root.section("sample") {
            try sa.rejectUnknownKeys(allowed: [
                "interval", "rollup", "batchless", "min_cpu_percent", "min_mem_percent", "min_cpu_time",
                "exclude_system_jobs", "exclude_users", "exclude_commands", "load",
            ])
            if let i = try sa.int("interval") {
                guard i > 0 else { throw ConfigError("config key 'sample.interval' must be positive") }
                s.intervalSeconds = i
            }
            s.sample.rollup = try sa.bool("rollup") ?? false
            s.sample.batchless = try sa.bool("batchless") ?? false
            s.sample.minCPUPercent = try sa.double("min_cpu_percent")
            s.sample.minMemPercent = try sa.double("min_mem_percent")
            s.sample.minCPUTimeSeconds = try sa.int("min_cpu_time")
            s.sample.excludeSystemJobs = try sa.bool("exclude_system_jobs") ?? false
            s.sample.excludeUsers = try sa.strings("exclude_users") ?? []
            s.sample.excludeCommands = try sa.strings("exclude_commands") ?? []
            s.sample.includeLoad = try sa.bool("load") ?? false
        }
        if let si = try root.section("sysinfo") {
            try si.rejectUnknownKeys(allowed: ["interval"])
            if let i = try si.int("interval") {
                guard i > 0 else { throw ConfigError("config key 'sysinfo.interval' must be positive") }
                s.sysinfoIntervalSeconds = i
            }
        }
        if let section = try root.section("interfaces") {
            try section.rejectUnknownKeys(allowed: ["interval", "include", "exclude", "virtual"])
            var options = InterfaceOptions()
            if let i = try section.int("interval") {
                guard i > 0 else { throw ConfigError("config key 'interfaces.interval' must be positive") }
                options.intervalSeconds = i
            }
            if let include = try section.strings("include") { options.include = include }
            if let exclude = try section.strings("exclude") { options.exclude = exclude }
            options.includeVirtual = try section.bool("virtual") ?? false
            s.interfaces = options
        }
        if let a = try root.section("archive") {
            try a.rejectUnknownKeys(allowed: ["url", "token_file"])
            s.archiveURLs = try UploadURLList.parse(a, key: "url") ?? []
            s.archiveTokenFile = try a.string("token_file")
        }
        if let m = try root.section("metrics") {
            try m.rejectUnknownKeys(allowed: ["textfile"])
            if let path = try m.string("textfile") {
                guard path.hasSuffix(".prom") else {
                    throw ConfigError(
                        "config key 'metrics.textfile' must end in .prom (node_exporter reads only those)")
                }
                s.metricsTextfile = path
            }
        }
        if let r = try root.section("responder") {
            try r.rejectUnknownKeys(allowed: ["enabled", "port"])
            s.responderEnabled = try r.bool("enabled") ?? false
            if let port = try r.int("port") {
                guard (1...65535).contains(port) else {
                    throw ConfigError("config key 'responder.port' must be within 1...65535")
                }
                s.responderPort = port
            }
        }
        if let sections = try root.tables("test") {
            s.tests = try MeasurementTestConfig.parse(sections)
            if s.archiveTokenFile == nil {
                throw ConfigError("\(fileName): tests are configured but archive.token_file is not set")
            }
        }
        do {
            try s.sample.validate()
        } catch {
            throw ConfigError("\(fileName): \(error)")
        }
        return s
    }
}
