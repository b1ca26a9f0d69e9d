import NIOCore

/// Where subscribers connect and what they ask for.
struct SubscriberTarget {
    enum WireProtocol: String {
        case h2, http1, http1Plain = "http1-plain"
    }

    var wireProtocol: WireProtocol
    /// Destination addresses, used in turn: each (source, destination) pair has its own ~28k ephemeral
    /// ports, so many connections need several 127.0.0.x destinations.
    var addresses: [SocketAddress]
    var authority: String
    /// `{channel}` in the pattern is replaced by the channel name.
    var pathPattern: String
    var channelPrefix: String

    func path(channel: Int) -> String {
        self.pathPattern.replacingOccurrences(of: "{channel}", with: "\(self.channelPrefix)\(channel)")
    }
}
