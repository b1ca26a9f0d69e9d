import GatewayRedis

/// Which hub engine numbers and stores events: this process's memory (the default, nothing to run), or a
/// Redis shared by several gateway nodes (issue 14's scale-out).
public struct EngineSettings: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case memory
        case redis
    }

    /// `memory` or `redis`. Default: `memory`.
    public var kind: Kind
    /// The Redis server (`redis://` or `rediss://` for TLS, with database and user); required for `redis`.
    public var redisURL: RedisURL?
    /// The environment variable holding the Redis password (the file names the variable, never the
    /// secret); it overrides a password in the URL. Default: none.
    public var passwordEnvironmentVariable: String?
    /// PEM file of the CA that signs the Redis server's certificate, for `rediss://`; nil for the system
    /// roots. Default: none.
    public var caFile: String?
    /// Prefix of every Redis key the gateway writes. Nodes that share channels use the same one.
    /// Default: `ssegate`.
    public var keyPrefix: String

    public init(kind: Kind = .memory, redisURL: RedisURL? = nil, passwordEnvironmentVariable: String? = nil, caFile: String? = nil, keyPrefix: String = "ssegate") {
        self.kind = kind
        self.redisURL = redisURL
        self.passwordEnvironmentVariable = passwordEnvironmentVariable
        self.caFile = caFile
        self.keyPrefix = keyPrefix
    }
}
