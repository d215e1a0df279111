import Glibc

/// One non-blocking `recvmsg` with the sender's address and ancillary data, the one way the probes
/// read a packet with its control messages (TTL, the kernel's receive stamp, error-queue entries).
///
/// ```swift
/// if let message = SocketMessage.receive(fd, flags: 0, &buffer, &control) {
///     let at = ReceiveStamp.instant(in: control[..<message.controlLength])
/// }
/// ```
public enum SocketMessage {
    /// Byte count, sender (numeric) and control length; nil (errno set) when nothing is queued or
    /// the read failed. `MSG_DONTWAIT` is added to `flags`; EINTR is retried.
    public static func receive(
        _ fd: Int32, flags: Int32, _ buffer: inout [UInt8], _ control: inout [UInt8]
    ) -> (count: Int, source: String?, controlLength: Int)? {
        var from = sockaddr_storage()
        while true {
            let (count, nameLength, controlLength) = buffer.withUnsafeMutableBytes { data in
                control.withUnsafeMutableBytes { controlBytes in
                    withUnsafeMutableBytes(of: &from) { name in
                        var vector = iovec(iov_base: data.baseAddress, iov_len: data.count)
                        return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                            var message = msghdr()
                            message.msg_name = name.baseAddress
                            message.msg_namelen = socklen_t(name.count)
                            message.msg_iov = vectorPointer
                            message.msg_iovlen = 1
                            message.msg_control = controlBytes.baseAddress
                            message.msg_controllen = controlBytes.count
                            let count = recvmsg(fd, &message, flags | Int32(MSG_DONTWAIT))
                            return (count, Int(message.msg_namelen), Int(message.msg_controllen))
                        }
                    }
                }
            }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            let source = withUnsafeBytes(of: &from) {
                IPSocketAddress.numericHost(
                    sockaddr: UnsafeRawBufferPointer(rebasing: $0[..<min(nameLength, $0.count)]))
            }
            return (count, source, min(controlLength, control.count))
        }
    }
}
