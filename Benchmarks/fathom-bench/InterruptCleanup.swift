import FathomTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What an interrupted bench must not leave behind: its background processes and its network
/// namespaces.
///
/// On SIGINT or SIGTERM (once ``install()`` ran) the running processes are killed at once and
/// ``interrupted`` is set; the bench then stops at its next ``checkpoint()`` and its own `defer`s
/// delete the namespaces, so a path still being built is removed too. Should the bench not get
/// there within ``gracePeriod``, the namespaces known here are deleted and the process exits.
final class InterruptCleanup: @unchecked Sendable {
    static let shared = InterruptCleanup()
    static let gracePeriod = 30.0

    /// Thrown at a checkpoint after a signal; the exit status is 128 + the signal number.
    struct Interrupted: Error, CustomStringConvertible {
        var signal: Int32
        var description: String { "interrupted by signal \(signal)" }
    }

    private let lock = NSLock()
    private var processes: [ObjectIdentifier: BackgroundProcess] = [:]
    private var paths: [ObjectIdentifier: NetnsPath] = [:]
    private var sources: [any DispatchSourceSignal] = []
    private var signalNumber: Int32?

    var interrupted: Bool { lock.withLock { signalNumber != nil } }

    /// Throws ``Interrupted`` once a signal came; called before each step that starts something.
    func checkpoint() throws {
        if let signal = lock.withLock({ signalNumber }) { throw Interrupted(signal: signal) }
    }

    /// Takes over SIGINT and SIGTERM; later calls do nothing.
    func install() {
        lock.withLock {
            guard sources.isEmpty else { return }
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { [self] in interrupt(number) }
                source.resume()
                sources.append(source)
            }
        }
    }

    func track(_ process: BackgroundProcess) { lock.withLock { processes[ObjectIdentifier(process)] = process } }
    func forget(_ process: BackgroundProcess) { lock.withLock { processes[ObjectIdentifier(process)] = nil } }
    func track(_ path: NetnsPath) { lock.withLock { paths[ObjectIdentifier(path)] = path } }
    func forget(_ path: NetnsPath) { lock.withLock { paths[ObjectIdentifier(path)] = nil } }

    private func interrupt(_ number: Int32) {
        let running = lock.withLock {
            signalNumber = signalNumber ?? number
            return Array(processes.values)
        }
        for process in running where process.isRunning { _ = kill(process.pid, SIGKILL) }
        let line = Array("fathom-bench: interrupted, stopping (\(running.count) process(es) killed)\n".utf8)
        _ = write(2, line, line.count)
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.gracePeriod) { [self] in
            for path in lock.withLock({ Array(paths.values) }) { path.remove() }
            exit(128 + number)
        }
    }
}
