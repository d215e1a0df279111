/// The fields of one sonar free-CSV record that the index folds (read by `SampleLineReader`).
///
/// ```swift
/// var reader = SampleLineReader()
/// let record: SampleRecordFields? = reader.read(Array(line.utf8)[...])
/// ```
struct SampleRecordFields {
    var host: String
    var epochSeconds: Int64
    var user: String
    /// Nil for no job (absent or `0`, sonar's value for processes outside any job).
    var job: String?
    var usage: UsageSums
    var isHeartbeat: Bool
}
