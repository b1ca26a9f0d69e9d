/// What the server said about itself and this connection in its answer to `HELLO 3`.
public struct RedisHello: Sendable, Hashable {
    /// This connection's id on the server: what `CLIENT UNBLOCK` and `CLIENT KILL ID` take.
    public var clientID: Int64
    /// e.g. `7.0.15`.
    public var serverVersion: String
    /// `standalone`, `sentinel` or `cluster`.
    public var mode: String
    /// `master` or `replica`.
    public var role: String

    public init(clientID: Int64, serverVersion: String, mode: String, role: String) {
        self.clientID = clientID
        self.serverVersion = serverVersion
        self.mode = mode
        self.role = role
    }

    /// Reads the `HELLO` map (RESP3) or its RESP2 flat-array form; nil when `id` is missing.
    init?(_ reply: RESPValue) {
        guard let pairs = reply.pairs else { return nil }
        var fields: [String: RESPValue] = [:]
        for pair in pairs {
            if let key = pair.key.string { fields[key] = pair.value }
        }
        guard let clientID = fields["id"]?.integer else { return nil }
        self.init(
            clientID: clientID,
            serverVersion: fields["version"]?.string ?? "",
            mode: fields["mode"]?.string ?? "",
            role: fields["role"]?.string ?? ""
        )
    }
}
