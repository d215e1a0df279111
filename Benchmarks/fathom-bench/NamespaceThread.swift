import FathomAgent

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a closure on a thread of its own that has first joined a named network namespace
/// (`setns` on `/run/netns/NAME`): the namespace is per thread, so in-process code can be timed
/// inside a namespace path without a process start and without moving the rest of the bench.
enum NamespaceThread {
    /// `setns(2)`, looked up at run time: Swift's Glibc module leaves the GNU-only declaration out.
    private typealias SetNamespace = @convention(c) (Int32, Int32) -> Int32
    private static let cloneNewNet: Int32 = 0x4000_0000

    static func run<Value: Sendable>(in namespace: String, _ body: @escaping @Sendable () -> Value) throws -> Value {
        guard let symbol = dlsym(nil, "setns") else { throw Subprocess.Failure(description: "setns not found in libc") }
        let setNamespace = unsafeBitCast(symbol, to: SetNamespace.self)
        let result = ThreadResult<Result<Value, Subprocess.Failure>>()
        let thread = try JoinableThread {
            let fd = open("/run/netns/\(namespace)", O_RDONLY | O_CLOEXEC)
            guard fd >= 0, setNamespace(fd, cloneNewNet) == 0 else {
                let reason = String(cString: strerror(errno))
                if fd >= 0 { close(fd) }
                result.value = .failure(Subprocess.Failure(description: "setns into \(namespace): \(reason)"))
                return
            }
            close(fd)
            result.value = .success(body())
        }
        thread.join()
        return try result.value!.get()
    }
}
