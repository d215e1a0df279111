import Logging
import NIOCore
import PostgresNIO

/// `COPY table (columns) FROM STDIN` of text-format rows, written so that a session the server
/// ends mid-copy fails the copy instead of stopping the process.
///
/// PostgresNIO's copy writer checks its connection's state with a precondition on every write
/// and on `CopyDone`/`CopyFail`: once the channel has closed (a FATAL such as 57P01 when the
/// database restarts, then the server's EOF) and until its handlers are removed, either call traps
/// (`Copy mode is only supported for extended queries`). Each call hops onto the connection's
/// event loop, so between the receiver's last look and the call the loop may read that FATAL.
/// Here the whole copy runs on the event loop itself (a task executor over it), so each write and
/// the final `CopyDone` follow a check that the channel is still open within one turn of the
/// loop, with nothing read in between; a closed channel is waited out until its handlers are gone,
/// after which PostgresNIO answers with an error rather than a trap.
///
/// Left: a copy whose connection this process closes while TLS keeps the channel open for its
/// `close_notify` (only at ``PostgresDeadline``'s 30 s expiry of a copy) is not covered.
///
/// ```swift
/// try await PostgresCopyIn.run(
///     table: "fathom_samples", columns: PostgresUploadRows.sampleColumns, chunks: [buffer],
///     on: connection, logger: logger)
/// ```
enum PostgresCopyIn {
    /// The copy of `chunks` (whole rows or not, in order) into `table`; throws
    /// ``PostgresDeadline/ConnectionClosed`` when the connection closed before the copy ended.
    static func run(
        table: String, columns: [String], chunks: [ByteBuffer], on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await withTaskExecutorPreference(EventLoopTaskExecutor(connection.eventLoop)) {
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                for chunk in chunks {
                    try await stillOpen(connection)
                    try await writer.write(chunk)
                }
                // No suspension from here to PostgresNIO's `CopyDone`: this returns into
                // `copyFrom`, which sends it on this same turn of the loop.
                try await stillOpen(connection)
            }
        }
    }

    /// Returns at once while the channel is open; otherwise waits until its handlers are gone
    /// (the close future completes after that) and throws.
    private static func stillOpen(_ connection: PostgresConnection) async throws {
        guard connection.isClosed else { return }
        try? await connection.closeFuture.get()
        throw PostgresDeadline.ConnectionClosed()
    }
}

/// Runs a task's jobs on a NIO event loop, each in a turn of the loop of its own.
private final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
