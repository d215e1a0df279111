/// A throwaway CA and a server certificate for 127.0.0.1/localhost, made with the openssl CLI.
///
/// The bench uses real TLS because a receiver in production always runs with it, and the
/// handshake and record encryption are part of what an upload costs.
struct TestPKI {
    let directory: String
    var caCertificate: String { directory + "/ca.pem" }
    var serverCertificate: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }

    init(directory: String) throws {
        self.directory = directory
        try Subprocess.shell(
            """
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
              -keyout ca.key -out ca.pem -days 2 -subj "/CN=Fathom Bench CA" 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
              -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth\\n' > ext.cnf
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
              -out server.pem -days 2 -extfile ext.cnf 2>/dev/null
            """, in: directory)
    }
}
