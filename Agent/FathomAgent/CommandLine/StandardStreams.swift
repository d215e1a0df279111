import Glibc

/// What the agent's commands print, written straight to standard output or error: the text's
/// UTF-8 bytes in one `write(2)` (more where the kernel takes part of them), nothing buffered.
/// `print` buffers whole blocks when standard output is a pipe or the journal's socket, so a
/// long-running `responder` kept its reports back until it exited (and lost them to a SIGKILL),
/// and output and error could come out of order; it also boxes its items as `[Any]` and looks
/// their conformances up at run time.
///
/// ```swift
/// StandardStreams.write(report.summary)
/// StandardStreams.writeError("Error: \(error)\n")
/// ```
public enum StandardStreams {
    /// Writes `text` to standard output, as it is (no newline added).
    public static func write(_ text: String) { write(text, to: 1) }

    /// Writes `text` to standard error, as it is.
    public static func writeError(_ text: String) { write(text, to: 2) }

    private static func write(_ text: String, to fd: Int32) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                // A closed or full stream (a pipe whose reader went away): nothing more can go out.
                guard n > 0 else { return }
                offset += n
            }
        }
    }
}
