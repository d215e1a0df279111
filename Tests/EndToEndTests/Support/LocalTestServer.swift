import FathomTestSupport
import Foundation

/// A server the agent's HTTP client is tested against, as a child process on a free loopback port:
/// `openssl s_server` with a chosen certificate, or a small Python `http.server` that answers with
/// chunked, sized, close-delimited and redirect responses.
///
/// ```swift
/// let server = try await LocalTestServer.openSSL(certificate: cert, key: key, directory: dir.path)
/// defer { server.stop() }
/// ```
final class LocalTestServer: @unchecked Sendable {
    let process = Process()
    let port: Int

    /// The server exited before it listened: another test took the free port first.
    private struct PortLost: Error {}

    private init(arguments: [String], directory: String, port: Int) async throws {
        self.port = port
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // 20 s: a loaded 2-core CI machine has taken over 10 s to start `openssl s_server`.
        let deadline = Date().addingTimeInterval(20)
        while !Iperf3Tool.isListening(port: port) {
            guard process.isRunning else { throw PortLost() }
            guard Date() < deadline else {
                stop()
                throw TestFailure("\(arguments[0]) does not listen on port \(port) after 20 s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The server `arguments(port)` starts, on a free port; on another one when the port was lost.
    private static func start(directory: String, _ arguments: (Int) -> [String]) async throws -> LocalTestServer {
        var attempt = 0
        while true {
            attempt += 1
            let port = try TestPorts.take()
            do {
                return try await LocalTestServer(arguments: arguments(port), directory: directory, port: port)
            } catch is PortLost where attempt < 3 {
                continue
            } catch is PortLost {
                throw TestFailure("\(arguments(port)[0]) exited before listening, on 3 free ports")
            }
        }
    }

    /// `openssl s_server -WWW`: answers `GET /<file>` with that file of `directory` (HTTP/1.0, the
    /// body ended by closing the connection). `extra` adds options (`-Verify 1 -CAfile …`).
    static func openSSL(certificate: String, key: String, directory: String, extra: [String] = []) async throws
        -> LocalTestServer
    {
        try await start(directory: directory) { port in
            [
                "/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificate, "-key", key,
                "-WWW", "-quiet",
            ] + extra
        }
    }

    /// Python's `http.server` (HTTP/1.1, keep-alive) with the paths of ``pythonScript``; a connection
    /// idle for `idleSeconds` is closed by the server. With `tls` it speaks HTTPS (Python's OpenSSL
    /// server sends TLS 1.3 session tickets after the handshake).
    static func python(directory: String, idleSeconds: Double = 30, tls: (certificate: String, key: String)? = nil)
        async throws -> LocalTestServer
    {
        try pythonScript.write(toFile: directory + "/server.py", atomically: true, encoding: .utf8)
        let files = tls.map { [$0.certificate, $0.key] } ?? []
        return try await start(directory: directory) { port in
            ["/usr/bin/python3", directory + "/server.py", String(port), String(idleSeconds)] + files
        }
    }

    /// SIGKILL: a child spawned from a cooperative thread inherits its blocked signals, SIGTERM
    /// among them, and `s_server` installs no handler that would unblock it.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Every answer names the client's port, so a test sees whether a connection was reused.
    static let pythonScript = #"""
        import http.server, ssl, sys

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                port = str(self.client_address[1]).encode()
                if self.path == "/once-per-connection":
                    # A second request on the same connection is met with a close and no answer.
                    self.served = getattr(self, "served", 0) + 1
                    if self.served > 1:
                        self.close_connection = True
                        return
                    data = b"port " + port
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                elif self.path == "/chunked":
                    self.send_response(200)
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self.wfile.write(b"6;name=value\r\nfirst;\r\n")
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(port), port))
                    self.wfile.write(b"0\r\nX-Trailer: done\r\n\r\n")
                elif self.path == "/until-close":
                    self.send_response(200)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(b"all of it " + port)
                    self.close_connection = True
                elif self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", "https://elsewhere.example/upload")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif self.path == "/large":
                    data = b"x" * 100000
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                else:
                    data = b"echo " + body + b" port " + port
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

            do_POST = do_GET
            do_PUT = do_GET

        Handler.timeout = float(sys.argv[2])
        server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
        if len(sys.argv) > 4:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[3], sys.argv[4])
            server.socket = context.wrap_socket(server.socket, server_side=True)
        server.serve_forever()
        """#
}
