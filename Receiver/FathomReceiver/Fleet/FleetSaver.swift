import Logging

/// Saves the registry's changed hosts to the store every few seconds and once more at shutdown,
/// off the upload path (an upload only marks its host dirty).
///
/// ```swift
/// let saver = FleetSaver(registry: registry, store: store, logger: logger)
/// let task = Task { await saver.run() }      // cancelled at shutdown, then:
/// await saver.saveNow()
/// ```
public struct FleetSaver: Sendable {
    public let registry: FleetRegistry
    public let store: FleetStore
    public let interval: Duration
    public let logger: Logger

    public init(registry: FleetRegistry, store: FleetStore, interval: Duration = .seconds(5), logger: Logger) {
        self.registry = registry
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    /// Until cancelled.
    public func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { break }
            await saveNow()
        }
    }

    public func saveNow() async {
        let dirty = registry.takeDirty()
        do {
            try await store.save(dirty)
        } catch {
            registry.markDirty(dirty)
            logger.error("cannot save the fleet registry; will retry", metadata: ["error": "\(error)"])
        }
    }
}
