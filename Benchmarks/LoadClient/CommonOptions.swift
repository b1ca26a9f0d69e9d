import ArgumentParser
import GatewayTLS
import NIOCore

/// Options every mode shares: where to subscribe, how many, and which server process to watch.
struct CommonOptions: ParsableArguments {
    @Option(help: "Subscriber protocol: h2 (TLS, ALPN h2), http1 (TLS, ALPN http/1.1) or http1-plain.")
    var protocolName: String = "h2"

    @Option(help: "Destination addresses used in turn (comma-separated, e.g. 127.0.0.1,127.0.0.2): each has its own ~28k ephemeral ports.")
    var hosts: String = "127.0.0.1"

    @Option(help: "Subscriber port.")
    var port: Int = 8443

    @Option(help: "Subscriber ports used in turn (comma-separated), e.g. 8443,8444 for two gateway nodes sharing a Redis; overrides --port.")
    var ports: String?

    @Option(help: "Subscribe path; {channel} is replaced by the channel name (e.g. /sub/{channel} for nchan).")
    var path: String = "/events/{channel}"

    @Option(help: "Channel name prefix; a per-run id is appended unless --fixed-channels.")
    var channelPrefix: String = "bench"

    @Flag(help: "Use the channel prefix as given (no per-run id).")
    var fixedChannels = false

    @Option(help: "CA file to verify the server; without it the certificate is not checked.")
    var caFile: String?

    @Option(name: .shortAndLong, help: "Connections.")
    var connections: Int = 10

    @Option(name: .shortAndLong, help: "Streams per connection (HTTP/2 only).")
    var streams: Int = 100

    @Option(help: "Channels the streams are spread over (stream g subscribes to channel g % channels).")
    var channels: Int = 1

    @Option(help: "Connections being set up at once.")
    var concurrency: Int = 64

    @Option(help: "Seconds allowed for opening all streams.")
    var openTimeout: Double = 120

    @Option(help: "Event loop threads for subscribers.")
    var threads: Int = 1

    @Option(help: "Server process id(s) to sample (VmRSS, utime+stime); repeat for several (nginx workers).")
    var serverPid: [Int32] = []

    @Option(help: "Label put in the JSON line (e.g. ssegate or nchan).")
    var label: String = "server"

    func target(run: UInt32) throws -> SubscriberTarget {
        guard let wire = SubscriberTarget.WireProtocol(rawValue: self.protocolName) else {
            throw ValidationError("--protocol-name must be h2, http1 or http1-plain")
        }
        let ports = self.ports.map { $0.split(separator: ",").compactMap { Int($0) } } ?? [self.port]
        let addresses = try self.hosts.split(separator: ",").flatMap { host in
            try ports.map { try SocketAddress(ipAddress: String(host), port: $0) }
        }
        let prefix = self.fixedChannels ? self.channelPrefix : "\(self.channelPrefix)-\(run)-"
        return SubscriberTarget(
            wireProtocol: wire, addresses: addresses, authority: "localhost:\(self.port)",
            pathPattern: self.path, channelPrefix: prefix)
    }

    func tlsContext(for wire: SubscriberTarget.WireProtocol) throws -> TLSClientContext? {
        switch wire {
        case .http1Plain:
            return nil
        case .h2:
            return try TLSClientContext(alpnProtocols: ["h2"], trustRootsPath: self.caFile, verifyPeer: self.caFile != nil)
        case .http1:
            return try TLSClientContext(
                alpnProtocols: ["http/1.1"], trustRootsPath: self.caFile, verifyPeer: self.caFile != nil)
        }
    }
}

/// Where and how to publish.
struct PublishOptions: ParsableArguments {
    @Option(help: "Publish URL (plain HTTP/1.1); {channel} is replaced, e.g. http://127.0.0.1:8081/pub/{channel} for nchan.")
    var publishURL: String = "http://127.0.0.1:8080/publish/{channel}"

    @Option(help: "Publishes per second (over all channels).")
    var rate: Double = 50

    @Option(help: "Seconds of publishing.")
    var duration: Double = 10

    @Option(help: "Event data size in bytes (padded).")
    var size: Int = 64

    @Option(help: "Publish connections (keep-alive).")
    var publishConnections: Int = 4

    @Option(help: "Seconds to wait after the last publish for deliveries to finish.")
    var drain: Double = 5

    func endpoint() throws -> Publisher.Endpoint {
        // http://host:port/path
        guard self.publishURL.hasPrefix("http://") else { throw ValidationError("--publish-url must be http://") }
        let rest = self.publishURL.dropFirst("http://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let hostPort = rest[..<slash]
        let parts = hostPort.split(separator: ":")
        let host = String(parts[0])
        let port = parts.count > 1 ? Int(parts[1]) ?? 80 : 80
        return Publisher.Endpoint(
            address: try SocketAddress(ipAddress: host, port: port), host: String(hostPort),
            pathPattern: String(rest[slash...]))
    }
}
