#if canImport(Glibc)
    import Glibc

    /// "Close every descriptor from `lowest` up" as a `posix_spawn` file action: glibc's
    /// `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc module does
    /// not import, found once with `dlsym`. A program spawned with it inherits only the descriptors
    /// the other actions give it, whatever other threads of this process hold open without
    /// close-on-exec at that moment (Foundation's pipes among them). A long-lived child that kept
    /// such a pipe's write end (a PostgreSQL server `pg_ctl` leaves running) would keep its reader
    /// waiting for an end of file forever.
    ///
    /// ```swift
    /// var actions = posix_spawn_file_actions_t()
    /// posix_spawn_file_actions_init(&actions)
    /// posix_spawn_file_actions_adddup2(&actions, socket, 0)
    /// SpawnCloseFrom.add(&actions)   // after the dup2s: they are applied in order
    /// ```
    public enum SpawnCloseFrom {
        private typealias AddCloseFrom =
            @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) ->
            Int32

        private static let function: AddCloseFrom? = {
            // RTLD_DEFAULT: the symbol as the program's own libraries define it.
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
            else { return nil }
            return unsafeBitCast(symbol, to: AddCloseFrom.self)
        }()

        /// Adds the action; false where this glibc lacks it (the child then inherits as before).
        @discardableResult
        public static func add(_ actions: inout posix_spawn_file_actions_t, from lowest: Int32 = 3) -> Bool {
            guard let function else { return false }
            return function(&actions, lowest) == 0
        }
    }
#endif
