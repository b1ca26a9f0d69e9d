import GatewayAuth

/// The `auth:` section: how tokens are verified. Routes opt in with their own `auth:` key.
public struct AuthSettings: Sendable, Equatable {
    /// JWT verification (GatewayAuth's own settings type); nil when no `auth.jwt` is configured, and then no
    /// route may ask for `auth: jwt` or `auth: optional`.
    public var jwt: JWTSettings?
    /// Where each of `jwt.keys` is written in the file, in the same order, so a key that cannot be read at
    /// start (an unset variable, a missing file) is reported at its line like any other config problem.
    public var keyPositions: [ConfigurationPosition]

    public init(jwt: JWTSettings? = nil, keyPositions: [ConfigurationPosition] = []) {
        self.jwt = jwt
        self.keyPositions = keyPositions
    }
}

/// A place in a configuration file, for problems found after parsing (when keys are read).
public struct ConfigurationPosition: Sendable, Hashable {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// A problem at this position.
    public func problem(_ message: String) -> ConfigurationProblem {
        ConfigurationProblem(file: file, line: line, column: column, message: message)
    }
}
