import FathomShared

#if canImport(Glibc)
    import Glibc
#endif

/// A free-CSV upload body of about the requested size, as one node's agent would send it.
///
/// Every line carries the same current `time`, so the whole body lands in one day file
/// (`<cluster>/<Y>/<M>/<D>/<host>.csv`), the common case for an agent flushing its spool.
enum UploadBody {
    static func make(host: String, approximateBytes: Int) -> [UInt8] {
        let time = SonarTimestamp.format(epochSeconds: Int64(Glibc.time(nil)), utcOffsetSeconds: 0)
        var body: [UInt8] = []
        body.reserveCapacity(approximateBytes + 256)
        var pid = 4242
        while body.count < approximateBytes {
            let line =
                "v=0.12.2,time=\(time),host=\(host),user=alice,cmd=python,job=123,pid=\(pid),"
                + "cpu%=99.5,cpukib=123456,cputime_sec=600\n"
            body.append(contentsOf: line.utf8)
            pid += 1
        }
        return body
    }
}
