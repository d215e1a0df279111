/// The 37-byte session cookie: 36 characters from iperf3's alphabet plus a NUL (`make_cookie`).
///
/// The client sends it first on the control connection and on every data connection; the server
/// ties data connections to the test by comparing all 37 bytes.
///
/// ```swift
/// let cookie = IperfCookie.make()      // 37 bytes
/// ```
public enum IperfCookie {
    public static let size = 37
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    /// A fresh random cookie.
    public static func make() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<size - 1).map { _ in alphabet.randomElement(using: &generator)! } + [0]
    }
}
