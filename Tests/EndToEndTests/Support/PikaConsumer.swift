import FathomTestSupport
import Foundation

/// A real AMQP consumer: pika (from PyPI, in a virtualenv made once per machine) binds a durable
/// queue to the test's exchange and drains it, printing one JSON line per message with its
/// routing key, `message_id`, `delivery_mode`, content type and body.
enum PikaConsumer {
    static let venv = "/tmp/fathom-pika-1.3.2-venv"

    /// Exit 3: PyPI unreachable; 4: python3 without venv/pip.
    static let prepare = #"""
        set -u
        V="$1"
        if [ -x "$V/bin/python" ] && "$V/bin/python" -c "import pika" 2>/dev/null; then exit 0; fi
        command -v python3 >/dev/null || { echo "no python3"; exit 4; }
        python3 -W ignore -c "import venv, ensurepip, pip" 2>/dev/null || { echo "python3 lacks venv/ensurepip/pip"; exit 4; }
        rm -rf "$V" && python3 -m venv "$V" || exit 1
        "$V/bin/pip" install -q pika==1.3.2 || exit 3
        """#

    /// `bind PORT EXCHANGE QUEUE`, or `drain PORT EXCHANGE QUEUE QUIET_SECONDS`: reads until the
    /// queue has stayed empty for QUIET_SECONDS.
    static let script = #"""
        import json, sys, time
        import pika
        mode, port, exchange, queue = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
        connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
        channel = connection.channel()
        channel.exchange_declare(exchange=exchange, exchange_type="topic", durable=True)
        channel.queue_declare(queue=queue, durable=True)
        channel.queue_bind(queue=queue, exchange=exchange, routing_key="#")
        if mode == "drain":
            quiet, last = float(sys.argv[5]), time.time()
            while time.time() - last < quiet:
                method, properties, body = channel.basic_get(queue=queue, auto_ack=True)
                if method is None:
                    time.sleep(0.1)
                    continue
                last = time.time()
                print(json.dumps({"key": method.routing_key, "id": properties.message_id,
                                  "mode": properties.delivery_mode, "type": properties.content_type,
                                  "body": json.loads(body)}))
        connection.close()
        """#

    /// One message as the consumer saw it.
    struct Message {
        var routingKey: String
        var id: String
        var deliveryMode: Int
        var contentType: String
        var body: [String: Any]
    }

    /// The venv's python, or nil after `Prerequisite.unavailable`.
    static func python(test: String) async throws -> String? {
        let prepared = try await Shell.run(["/bin/sh", "-c", prepare, "prepare", venv], timeout: 300)
        switch prepared.status {
        case 0: return venv + "/bin/python"
        case 3, 4:
            try Prerequisite.unavailable("pika from PyPI: \(prepared.stdout)\(prepared.stderr)", test: test)
            return nil
        default: throw TestFailure("pika venv: \(prepared.stdout)\(prepared.stderr)")
        }
    }

    static func bind(python: String, port: Int, exchange: String, queue: String) async throws {
        let out = try await Shell.run([python, "-c", script, "bind", "\(port)", exchange, queue])
        guard out.status == 0 else { throw TestFailure("pika bind: \(out.stderr)") }
    }

    static func drain(python: String, port: Int, exchange: String, queue: String, quiet: Double = 3) async throws
        -> [Message]
    {
        let out = try await Shell.run([python, "-c", script, "drain", "\(port)", exchange, queue, "\(quiet)"])
        guard out.status == 0 else { throw TestFailure("pika drain: \(out.stderr)") }
        return try out.stdout.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let body = object["body"] as? [String: Any]
            else { throw TestFailure("pika printed \(line)") }
            return Message(
                routingKey: object["key"] as? String ?? "", id: object["id"] as? String ?? "",
                deliveryMode: object["mode"] as? Int ?? 0, contentType: object["type"] as? String ?? "", body: body)
        }
    }
}
