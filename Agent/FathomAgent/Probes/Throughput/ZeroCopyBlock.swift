import Glibc

/// The block a zero-copy sender (iperf3's `-Z`) hands the kernel with `sendfile`: an unlinked
/// temporary file holding the block's bytes, so data goes from the page cache to the socket
/// without a copy through user memory, as iperf3 sends from its mkstemp'd buffer file.
///
/// Where the file cannot be made, `send` falls back to an ordinary `send` of the same bytes.
///
/// ```swift
/// let file = ZeroCopyBlock(buffer, count: 131_072)
/// defer { file.close() }
/// let n = file.send(to: socket.fd)
/// ```
struct ZeroCopyBlock {
    private let fd: Int32
    private let count: Int
    private let fallback: UnsafeMutableRawPointer

    init(_ buffer: UnsafeMutableRawPointer, count: Int) {
        self.count = count
        fallback = buffer
        // sendfile has no MSG_NOSIGNAL: a peer that resets must be an EPIPE, not a fatal SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        var template = Array("/tmp/fathom-zerocopy.XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            self.fd = -1
            return
        }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        var written = 0
        while written < count {
            let n = write(fd, buffer + written, count - written)
            if n <= 0 { break }
            written += n
        }
        if written < count {
            Glibc.close(fd)
            self.fd = -1
        } else {
            self.fd = fd
        }
    }

    /// One block to `socket` (fewer bytes when the socket buffer is nearly full); `send`'s result.
    func send(to socket: Int32) -> Int {
        guard fd >= 0 else { return Glibc.send(socket, fallback, count, Int32(MSG_NOSIGNAL)) }
        var offset: off_t = 0
        return sendfile(socket, fd, &offset, count)
    }

    func close() { if fd >= 0 { Glibc.close(fd) } }
}
