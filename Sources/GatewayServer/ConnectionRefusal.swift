/// Why a connection was closed at accept, before anything was read from it: the `reason` label of
/// `ssegate_connections_refused_total` and of the refusal log line.
enum ConnectionRefusal: String, CaseIterable, Sendable {
    /// `limits.max_connections`: the process holds as many connections as it may.
    case processFull = "process_full"
    /// `listeners[].max_connections`: this listener is full (the others, the trusted one, still accept).
    case listenerFull = "listener_full"
    /// `listeners[].max_connections_per_ip`: this client (IPv4 address, IPv6 /64) has enough open here.
    case perIP = "per_ip"
    /// `listeners[].handshakes_per_second_per_ip`: this client starts TLS handshakes faster than allowed.
    case handshakeRate = "handshake_rate"

    /// What the log line says.
    var explanation: String {
        switch self {
        case .processFull: "the process is at limits.max_connections"
        case .listenerFull: "the listener is at its max_connections"
        case .perIP: "the client is at the listener's max_connections_per_ip"
        case .handshakeRate: "the client is over the listener's handshakes_per_second_per_ip"
        }
    }
}
