/// Constants of the sonar 0.12 "free CSV" dialect the agent writes.
public enum SonarFormat {
    /// The `v=` value. sonalyze keys field semantics off it (≤ 0.6 means no `cputime_sec`), so this
    /// names the sonar release whose output the agent reproduces, not Fathom's own version.
    public static let sonarFormatVersion = "0.12.2"
    /// User of the synthetic record printed when nothing passes the filters.
    public static let heartbeatUser = "_sonar_"
    /// Command of the synthetic heartbeat record.
    public static let heartbeatCommand = "_heartbeat_"
}
