import FathomShared
import Foundation

/// One `[[forward]]` table of the receiver's config: a RabbitMQ destination and the streams it
/// gets.
///
/// ```toml
/// [[forward]]
/// type = "rabbitmq"
/// name = "psdata"                       # names the destination's cursor (default: host/vhost/exchange)
/// url = "amqps://fathom@mq.example.org/psdata"
/// password_file = "/etc/fathom/rabbitmq-password"
/// ca_file = "/etc/fathom/rabbitmq-ca.pem"   # default: the system roots
/// exchange = "osg.psdata.raw"            # declared durable, topic, when missing
/// streams = ["archive", "samples", "interfaces"]
/// archive_routing_key = "perfsonar.raw.{event-type}"
/// samples_routing_key = "fathom.samples.{cluster}"
/// interfaces_routing_key = "esnet_interfaces"
/// traffic_routing_key = "esnet_traffic"
/// heartbeat = 30
/// ```
public struct ForwardSettings: Sendable, Equatable {
    /// What a destination can be sent.
    public enum Stream: String, Sendable, CaseIterable {
        /// Every base point stored in the measurement archive, as psdata `perfsonar.raw.*` messages.
        case archive
        /// Every span of sonar lines stored in the day files, as `fathom.samples.<cluster>` messages.
        case samples
        /// Interface records and counter rates, as `esnet_interfaces` / `esnet_traffic` messages.
        case interfaces
    }

    public var name: String
    public var address: AMQPAddress
    public var passwordFile: String?
    public var caFile: String?
    public var exchange: String
    public var streams: [Stream]
    /// `{event-type}` is replaced by the point's event type.
    public var archiveRoutingKey = "perfsonar.raw.{event-type}"
    /// `{cluster}` is replaced by the samples' cluster.
    public var samplesRoutingKey = "fathom.samples.{cluster}"
    /// Interface records (the ESnet collector's `RMQ_INTERFACE_KEY`).
    public var interfacesRoutingKey = "esnet_interfaces"
    /// Traffic, error and discard rates (its `RMQ_TRAFFIC_KEY`).
    public var trafficRoutingKey = "esnet_traffic"
    /// Seconds; 0 turns AMQP heartbeats off.
    public var heartbeat = 30

    public static let keys: Set<String> = [
        "type", "name", "url", "password_file", "ca_file", "exchange", "streams", "archive_routing_key",
        "samples_routing_key", "interfaces_routing_key", "traffic_routing_key", "heartbeat",
    ]

    public init(name: String, address: AMQPAddress, exchange: String, streams: [Stream]) {
        self.name = name
        self.address = address
        self.exchange = exchange
        self.streams = streams
    }

    /// The routing key of an archive point of `eventType`.
    public func archiveRoutingKey(eventType: String) -> String {
        Self.filling(archiveRoutingKey, "{event-type}", with: eventType)
    }

    /// The routing key of samples of `cluster`.
    public func samplesRoutingKey(cluster: String) -> String {
        Self.filling(samplesRoutingKey, "{cluster}", with: cluster)
    }

    private static func filling(_ template: String, _ placeholder: String, with value: String) -> String {
        var key = ""
        var rest = Substring(template)
        while let range = rest.range(of: placeholder) {
            key += rest[..<range.lowerBound] + value
            rest = rest[range.upperBound...]
        }
        return key + rest
    }

    /// The `[[forward]]` tables, checked key by key; names must be unique (each has a cursor).
    public static func parse(_ sections: [ConfigSection]) throws(ConfigError) -> [ForwardSettings] {
        var forwards: [ForwardSettings] = []
        for section in sections {
            try section.rejectUnknownKeys(allowed: keys)
            let type = try section.string("type") ?? "rabbitmq"
            guard type == "rabbitmq" else {
                throw ConfigError("\(section.path).type must be \"rabbitmq\", found \"\(type)\"")
            }
            guard let url = try section.string("url") else { throw ConfigError("\(section.path).url is required") }
            let address: AMQPAddress
            do {
                address = try AMQPAddress(url)
            } catch {
                throw ConfigError("\(section.path).url: \(error)")
            }
            guard let exchange = try section.string("exchange"), !exchange.isEmpty else {
                throw ConfigError("\(section.path).exchange is required")
            }
            var streams: [Stream] = []
            for name in try section.strings("streams") ?? ["archive"] {
                guard let stream = Stream(rawValue: name) else {
                    throw ConfigError(
                        "\(section.path).streams: \"\(name)\" cannot be forwarded (this receiver forwards: "
                            + Stream.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                }
                if !streams.contains(stream) { streams.append(stream) }
            }
            let name =
                try section.string("name")
                ?? "\(address.host):\(address.port)/\(address.virtualHost)/\(exchange)"
            guard !forwards.contains(where: { $0.name == name }) else {
                throw ConfigError("\(section.path).name \"\(name)\" is used by another [[forward]]")
            }
            var forward = ForwardSettings(name: name, address: address, exchange: exchange, streams: streams)
            forward.passwordFile = try section.string("password_file")
            forward.caFile = try section.string("ca_file")
            if let key = try section.string("archive_routing_key") { forward.archiveRoutingKey = key }
            if let key = try section.string("samples_routing_key") { forward.samplesRoutingKey = key }
            if let key = try section.string("interfaces_routing_key") { forward.interfacesRoutingKey = key }
            if let key = try section.string("traffic_routing_key") { forward.trafficRoutingKey = key }
            if let heartbeat = try section.int("heartbeat") {
                guard (0...3600).contains(heartbeat) else {
                    throw ConfigError("\(section.path).heartbeat must be 0...3600 seconds")
                }
                forward.heartbeat = heartbeat
            }
            if forward.address.password == nil && forward.passwordFile == nil && forward.address.user != "guest" {
                throw ConfigError("\(section.path): give password_file for user \(forward.address.user)")
            }
            forwards.append(forward)
        }
        return forwards
    }

    /// The password: from `password_file` (first line, trailing newline dropped), else the URL's,
    /// else RabbitMQ's default `guest`.
    public func password() throws -> String {
        if let passwordFile {
            guard let text = try PosixFile.readText(passwordFile) else {
                throw ConfigError("\(passwordFile): no such file")
            }
            return String(text.prefix { $0 != "\n" && $0 != "\r" })
        }
        return address.password ?? "guest"
    }
}
