import FathomShared
import Logging

/// The long-running agent: samples at aligned wall-clock ticks and sends sysinfo at start and
/// then daily, writing everything to the durable spool first; a separate delivery task sends
/// the spool after a random delay within the send window, retrying while the receiver is down.
///
/// Sampling never waits for delivery, so a receiver outage only grows the (bounded) spool.
public struct AgentDaemon: Sendable {
    public let settings: AgentSettings
    public let sampler: ProcessSampler
    public let sysinfo: SysinfoCollector
    public let spool: SpoolDirectory
    public let delivery: SpoolDelivery
    public let logger: Logger

    public init(
        settings: AgentSettings, sampler: ProcessSampler, sysinfo: SysinfoCollector, spool: SpoolDirectory,
        delivery: SpoolDelivery, logger: Logger
    ) {
        self.settings = settings
        self.sampler = sampler
        self.sysinfo = sysinfo
        self.spool = spool
        self.delivery = delivery
        self.logger = logger
    }

    /// Takes one sample and spools it; returns the number of records.
    @discardableResult
    public func spoolSample() async throws -> Int {
        let lines = await sampler.sample()
        var payload: [UInt8] = []
        for line in lines {
            payload += line.utf8
            payload.append(UInt8(ascii: "\n"))
        }
        _ = try spool.append(kind: UploadKind.samples.rawValue, payload: payload, recordCount: lines.count)
        return lines.count
    }

    public func spoolSysinfo() async throws {
        let json = await sysinfo.sysinfoJSON()
        _ = try spool.append(kind: UploadKind.sysinfo.rawValue, payload: Array((json + "\n").utf8), recordCount: 1)
    }

    /// Runs until the task is cancelled (SIGTERM): the current send finishes, the spool stays.
    public func run() async {
        let (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let schedule = SampleSchedule(intervalSeconds: settings.intervalSeconds)
        let window = SendWindow(seconds: settings.sendWindowSeconds)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var nextSysinfo = 0.0
                // Anything left from before a restart goes out first.
                signal.yield()
                while !Task.isCancelled {
                    let now = SampleSchedule.now()
                    if now >= nextSysinfo {
                        do {
                            try await spoolSysinfo()
                        } catch {
                            logger.error("cannot spool sysinfo", metadata: ["error": "\(error)"])
                        }
                        nextSysinfo = now + Double(settings.sysinfoIntervalSeconds)
                    }
                    let tick = schedule.nextTick(after: now)
                    do { try await Task.sleep(for: .seconds(tick - SampleSchedule.now())) } catch { break }
                    do {
                        let n = try await spoolSample()
                        logger.debug("sample spooled", metadata: ["records": "\(n)"])
                    } catch {
                        logger.error("cannot spool sample", metadata: ["error": "\(error)"])
                    }
                    signal.yield()
                }
                signal.finish()
            }
            group.addTask {
                var rng = SystemRandomNumberGenerator()
                for await _ in signals {
                    // The random send window spreads a fleet's uploads over the interval.
                    do { try await Task.sleep(for: window.delay(using: &rng)) } catch { break }
                    let outcome = await delivery.drain()
                    if outcome.delivered > 0 || outcome.quarantined > 0 {
                        logger.info("spool delivered", metadata: [
                            "batches": "\(outcome.delivered)", "quarantined": "\(outcome.quarantined)",
                        ])
                    }
                }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
