import FathomTestSupport
import Foundation

/// A private CA and a server certificate for 127.0.0.1/localhost, made with the openssl CLI
/// (as an operator would), in a temporary directory.
struct TestPKI: Sendable {
    let directory: String
    var caCertificate: String { directory + "/ca.pem" }
    var serverCertificate: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }
    /// A second, unrelated CA: clients trusting only it must refuse the server.
    var otherCA: String { directory + "/other-ca.pem" }

    init(in directory: String) throws {
        self.directory = directory
        let script = """
            set -e
            cd "\(directory)"
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem \
              -days 2 -subj "/CN=Fathom Test CA" 2>/dev/null
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other-ca.key -out other-ca.pem \
              -days 2 -subj "/CN=Other CA" 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr \
              -subj "/CN=localhost" 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth\\n' > ext.cnf
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
              -extfile ext.cnf 2>/dev/null
            """
        let result = try Shell.run(["/bin/sh", "-c", script])
        guard result.status == 0 else { throw TestFailure("openssl failed: \(result.stderr)") }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
