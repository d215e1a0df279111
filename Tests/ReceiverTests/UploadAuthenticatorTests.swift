import FathomShared
import FathomTestSupport
import HummingbirdBcrypt
import Testing

@testable import FathomReceiver

@Suite(.timeLimit(.minutes(2))) struct UploadAuthenticatorTests {
    @Test func credentialsFileFormats() throws {
        let creds = try CredentialsFile.parse(
            """
            # comment
            fox:s3cret
            old/style
            admin:pw clusters=*
            multi:p:w:x clusters=a,b

            """)
        #expect(creds["fox"] == Credential(user: "fox", secret: "s3cret", scope: .sameNameOnly))
        #expect(creds["old"]?.secret == "style")
        #expect(creds["admin"]?.scope == .any)
        #expect(creds["multi"]?.secret == "p:w:x")
        #expect(creds["multi"]?.scope == .listed(["a", "b"]))
        #expect(creds["fox"]!.mayUpload(to: "fox"))
        #expect(!creds["fox"]!.mayUpload(to: "saga"))
        #expect(creds["multi"]!.mayUpload(to: "b") && !creds["multi"]!.mayUpload(to: "c"))
        #expect(throws: CredentialsFileError.self) { try CredentialsFile.parse("a:1\na:2\n") }
        #expect(throws: CredentialsFileError.self) { try CredentialsFile.parse("justaword\n") }
        #expect(throws: CredentialsFileError.self) { try CredentialsFile.parse(":pw\n") }
    }

    @Test func plainAndBcryptPasswords() throws {
        let hash = Bcrypt.hash("hunter2", cost: 4)
        let auth = UploadAuthenticator(credentials: [
            "fox": Credential(user: "fox", secret: "pw"),
            "saga": Credential(user: "saga", secret: hash),
        ])
        #expect(auth.verify(user: "fox", password: "pw") != nil)
        #expect(auth.verify(user: "fox", password: "pW") == nil)
        #expect(auth.verify(user: "fox", password: "") == nil)
        #expect(auth.verify(user: "nobody", password: "pw") == nil)
        #expect(auth.verify(user: "saga", password: "hunter2") != nil)
        #expect(auth.verify(user: "saga", password: "hunter2") != nil)  // cached path
        #expect(auth.verify(user: "saga", password: "hunter3") == nil)
    }

    @Test func reloadSwapsTheTableAndKeepsItOnError() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        try dir.write("creds", "fox:one\n")
        let auth = try UploadAuthenticator(credentialsPath: dir.file("creds"))
        #expect(auth.verify(user: "fox", password: "one") != nil)
        try dir.write("creds", "fox:two\n")
        try auth.reload()
        #expect(auth.verify(user: "fox", password: "one") == nil)
        #expect(auth.verify(user: "fox", password: "two") != nil)
        try dir.write("creds", "broken line\n")
        #expect(throws: (any Error).self) { try auth.reload() }
        #expect(auth.verify(user: "fox", password: "two") != nil)
    }

    @Test func basicHeaderRoundTrip() {
        let header = BasicAuthorization.header(user: "fox", password: "p:w ü")
        #expect(header == "Basic Zm94OnA6dyDDvA==")
        #expect(BasicAuthorization.parse(header)! == ("fox", "p:w ü"))
        #expect(BasicAuthorization.parse("Bearer abc") == nil)
        #expect(BasicAuthorization.parse("Basic !!!") == nil)
        #expect(BasicAuthorization.parse("Basic " + Base64.encode(Array("nocolon".utf8))) == nil)
    }

    @Test func storageNamesCannotEscape() {
        for good in ["fox", "fox.educloud.no", "c1-6.fox", "gpu_11"] { #expect(StorageName(good) != nil) }
        for bad in [
            "", ".", "..", "../x", "a/b", ".hidden", "-rf", "a\u{0}b", "a b", String(repeating: "a", count: 254),
        ] {
            #expect(StorageName(bad) == nil, "\(bad) should be refused")
        }
    }

    @Test func receiverConfigFile() throws {
        let s = try ReceiverSettingsFile.parse(
            """
            listen = "0.0.0.0:9443"
            data_dir = "/srv/data"
            credentials = "/etc/fathom/credentials"
            tls_cert = "/c.pem"
            tls_key = "/k.pem"
            max_body_bytes = 1024
            """, fileName: "r.toml")
        #expect(s.host == "0.0.0.0" && s.port == 9443 && s.dataDirectory == "/srv/data" && s.maxBodyBytes == 1024)
        #expect(s.validationError() == nil)
        #expect(throws: ConfigError.self) { try ReceiverSettingsFile.parse("listn = \"x:1\"", fileName: "r.toml") }
        #expect(throws: ConfigError.self) {
            try ReceiverSettingsFile.parse("max_body_bytes = \"big\"", fileName: "r.toml")
        }
        #expect(ReceiverSettings().validationError() != nil, "no TLS and no --insecure-http must refuse to start")
    }
}
