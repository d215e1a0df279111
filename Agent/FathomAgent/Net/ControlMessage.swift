import Glibc

/// Reads ancillary data (`msg_control` of `recvmsg`) by hand: Glibc's `CMSG_*` helpers are C
/// macros Swift does not import. A `cmsghdr` is `size_t len, int level, int type`, then the
/// data; the next header starts at `len` rounded up to the word size.
///
/// ```swift
/// let ttl = ControlMessage.int32(in: control, level: 0, type: 2)   // (SOL_IP, IP_TTL)
/// let stamp = ControlMessage.timespec(in: control, level: 1, type: 35)   // SCM_TIMESTAMPNS
/// ```
public enum ControlMessage {
    /// The first 4-byte integer carried as (`level`, `type`); nil when there is none.
    public static func int32(in control: ArraySlice<UInt8>, level: Int32, type: Int32) -> Int32? {
        guard let data = data(in: control, level: level, type: type), data.count >= 4 else { return nil }
        return data.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
    }

    /// The first `struct timespec` carried as (`level`, `type`), e.g. the kernel's receive time
    /// (`SO_TIMESTAMPNS`); nil when there is none.
    public static func timespec(in control: ArraySlice<UInt8>, level: Int32, type: Int32) -> Glibc.timespec? {
        guard let data = data(in: control, level: level, type: type),
            data.count >= MemoryLayout<Glibc.timespec>.size
        else { return nil }
        return data.withUnsafeBytes { $0.loadUnaligned(as: Glibc.timespec.self) }
    }

    /// The data bytes of the first message carried as (`level`, `type`); nil when there is none
    /// or the buffer is malformed.
    static func data(in control: ArraySlice<UInt8>, level: Int32, type: Int32) -> ArraySlice<UInt8>? {
        let headerSize = MemoryLayout<cmsghdr>.size
        let align = MemoryLayout<Int>.size
        var offset = control.startIndex
        while offset + headerSize <= control.endIndex {
            let (length, foundLevel, foundType) = control.withUnsafeBytes { raw in
                let at = offset - control.startIndex
                return (
                    raw.loadUnaligned(fromByteOffset: at, as: Int.self),
                    raw.loadUnaligned(fromByteOffset: at + align, as: Int32.self),
                    raw.loadUnaligned(fromByteOffset: at + align + 4, as: Int32.self)
                )
            }
            guard length >= headerSize, offset + length <= control.endIndex else { return nil }
            if foundLevel == level && foundType == type {
                return control[(offset + headerSize)..<(offset + length)]
            }
            offset += (length + align - 1) / align * align
        }
        return nil
    }
}
